/**
 * Creates the local tables and buckets from the same definitions the CDK stack reads (layers/core tables.ts and
 * buckets.ts), over the real APIs. Idempotent: existing tables and buckets are left as they are.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { tables, tableName, type TableDef } from '#core/tables';
import { buckets, bucketName, type BucketId } from '#core/buckets';

export interface ProvisionReport {
  tablesCreated: string[];
  bucketsCreated: string[];
  /** TTL attributes dynalite cannot enable (it has no UpdateTimeToLive); items simply do not expire locally. */
  ttlSkipped: string[];
}

function keySchema(pk: TableDef['partitionKey'], sk?: TableDef['sortKey']): KeySchemaElement[] {
  return [{ AttributeName: pk.name, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : [])];
}

/** Every key attribute of the table and its GSIs, once each. */
function attributeDefinitions(def: TableDef): AttributeDefinition[] {
  const keys = [def.partitionKey, def.sortKey, ...def.gsis.flatMap((g) => [g.partitionKey, g.sortKey])];
  const byName = new Map<string, AttributeDefinition>();
  for (const k of keys) if (k) byName.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  return [...byName.values()];
}

export function createTableInput(def: TableDef, name: string) {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    AttributeDefinitions: attributeDefinitions(def),
    GlobalSecondaryIndexes: def.gsis.length
      ? def.gsis.map((g) => ({ IndexName: g.indexName, KeySchema: keySchema(g.partitionKey, g.sortKey), Projection: { ProjectionType: g.projection } }))
      : undefined,
  };
}

async function tableExists(ddb: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await ddb.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

export async function provision(ddb: DynamoDBClient, s3: S3Client, env: Record<string, string | undefined>): Promise<ProvisionReport> {
  const report: ProvisionReport = { tablesCreated: [], bucketsCreated: [], ttlSkipped: [] };
  for (const def of Object.values(tables) as TableDef[]) {
    const name = tableName(def.id as keyof typeof tables, env);
    if (await tableExists(ddb, name)) continue;
    try {
      await ddb.send(new CreateTableCommand(createTableInput(def, name)));
      report.tablesCreated.push(name);
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
      continue;
    }
    if (def.ttlAttribute) {
      try {
        await ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true } }));
      } catch (err) {
        if ((err as Error).name !== 'UnknownOperationException') throw err;
        report.ttlSkipped.push(`${name}.${def.ttlAttribute}`);
      }
    }
  }
  for (const id of Object.keys(buckets) as BucketId[]) {
    const name = bucketName(id, env);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      report.bucketsCreated.push(name);
    } catch (err) {
      const code = (err as Error).name;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    }
    // Browsers PUT uploads with presigned URLs and load images cross-origin; the stack configures the same.
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: name,
        CORSConfiguration: {
          CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }],
        },
      }),
    );
  }
  return report;
}
