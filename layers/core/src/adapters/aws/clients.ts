/**
 * AWS SDK clients, one per process. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, so the
 * same code reaches AWS or the local cloud; only configuration differs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

let ddb: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let presignS3: S3Client | undefined;

/** Local S3 servers only speak path-style URLs. */
const forcePathStyle = () => process.env.S3_FORCE_PATH_STYLE === 'true';

export function dynamoDocClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return ddb;
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ forcePathStyle: forcePathStyle() });
  return s3;
}

/** For presigned PUT URLs: checksums only when required, or real S3 rejects browser uploads. */
export function presignS3Client(): S3Client {
  presignS3 ??= new S3Client({ forcePathStyle: forcePathStyle(), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return presignS3;
}

/** Tests and the local cloud re-point endpoints between runs: drop cached clients. */
export function resetClients(): void {
  ddb = undefined;
  s3 = undefined;
  presignS3 = undefined;
}
