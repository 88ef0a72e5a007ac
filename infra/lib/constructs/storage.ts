/**
 * Storage: the S3 buckets named in layers/core/src/buckets.ts and the DynamoDB tables generated from
 * layers/core/src/tables.ts, the same definitions the local cloud creates. Every bucket is private,
 * encrypted, TLS-only and writes server access logs to one log bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { justify } from '../nag.ts';
import { Construct } from 'constructs';
import { buckets as bucketDefs, type BucketId } from '../../../layers/core/src/buckets.ts';
import { tables as tableDefs, type KeyDef, type TableDef, type TableId } from '../../../layers/core/src/tables.ts';

export interface StorageProps {
  /** Origin allowed to PUT presigned uploads from the browser. */
  webOrigin: string;
  searchUploadExpiryDays: number;
  retainData: boolean;
}

/** Settings every bucket shares: the baseline the tests assert. */
export function secureBucketProps(retain: boolean): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  };
}

export class Storage extends Construct {
  /** Destination of S3 server access logs (and CloudFront standard logs). */
  public readonly logBucket: s3.Bucket;
  public readonly buckets: Record<BucketId, s3.Bucket>;
  public readonly tables: Record<TableId, dynamodb.Table>;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const base = secureBucketProps(props.retainData);

    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      ...base,
      // CloudFront standard logging writes with ACLs, so the log bucket keeps them enabled for the owner.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(props.retainData ? 365 : 30) }],
    });
    justify(this.logBucket, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log destination; logging it into itself would loop.' },
    ]);

    const perBucket: Record<BucketId, Partial<s3.BucketProps>> = {
      catalog: {},
      uploads: {
        // Browsers PUT straight to S3 with the presigned URL from POST /v1/uploads.
        cors: [{
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: [props.webOrigin],
          allowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        }],
        lifecycleRules: [
          { id: 'expire-search-uploads', prefix: 'uploads/search/', expiration: Duration.days(props.searchUploadExpiryDays) },
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
      },
      artifacts: {
        // Index builds and models are versioned artifacts: a bad build can be rolled back.
        versioned: true,
        lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30), noncurrentVersionsToRetain: 5 }],
      },
    };

    this.buckets = Object.fromEntries(
      (Object.keys(bucketDefs) as BucketId[]).map((bid) => [
        bid,
        new s3.Bucket(this, `${pascal(bid)}Bucket`, {
          ...base,
          ...perBucket[bid],
          serverAccessLogsBucket: this.logBucket,
          serverAccessLogsPrefix: `s3/${bid}/`,
        }),
      ]),
    ) as Record<BucketId, s3.Bucket>;

    this.tables = Object.fromEntries(
      (Object.keys(tableDefs) as TableId[]).map((tid) => [tid, this.table(tableDefs[tid], props.retainData)]),
    ) as Record<TableId, dynamodb.Table>;
  }

  private table(def: TableDef, retain: boolean): dynamodb.Table {
    const table = new dynamodb.Table(this, `${pascal(def.id)}Table`, {
      partitionKey: attr(def.partitionKey),
      sortKey: def.sortKey ? attr(def.sortKey) : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: def.ttlAttribute,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const gsi of def.gsis) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attr(gsi.partitionKey),
        sortKey: gsi.sortKey ? attr(gsi.sortKey) : undefined,
        projectionType: gsi.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
    return table;
  }
}

function attr(k: KeyDef): dynamodb.Attribute {
  return { name: k.name, type: k.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

export function pascal(id: string): string {
  return id.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase());
}
