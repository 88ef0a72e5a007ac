/** AnalysisStore over the DynamoDB `analyses` table: conditional puts on `version` (compare-and-set). */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../tables.ts';
import { AnalysisConflictError, type AnalysisRecord, type AnalysisStore, decodeEmbedding } from '../../vision/analysis.ts';
import { dynamoDocClient } from './clients.ts';

const isConditionFailed = (err: unknown) => (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export class DynamoAnalysisStore implements AnalysisStore {
  private readonly client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly table: string;

  constructor(opts: { client?: Pick<DynamoDBDocumentClient, 'send'>; table?: string } = {}) {
    this.client = opts.client ?? dynamoDocClient();
    this.table = opts.table ?? tableName('analyses');
  }

  async create(record: AnalysisRecord): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: record, ConditionExpression: 'attribute_not_exists(uploadId)' }));
    } catch (err) {
      if (isConditionFailed(err)) throw new AnalysisConflictError(`Upload ${record.uploadId} already exists`);
      throw err;
    }
  }

  async get(uploadId: string): Promise<AnalysisRecord | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: { uploadId }, ConsistentRead: true }));
    return r.Item as AnalysisRecord | undefined;
  }

  async replace(record: AnalysisRecord, expectedVersion: number): Promise<AnalysisRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: record,
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      );
      return record;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      throw err;
    }
  }
}

/** The search service's view of an upload (layers/core/src/search/query-image.ts, UploadLookup). */
export function uploadLookup(store: AnalysisStore = new DynamoAnalysisStore()) {
  return async (uploadId: string) => {
    const rec = await store.get(uploadId);
    if (!rec) return undefined;
    const e = rec.embedding;
    return {
      status: rec.status,
      error: rec.error ? `${rec.error.reason}: ${rec.error.message}` : undefined,
      embedding: e ? { encoderId: e.encoderId, encoderVersion: e.encoderVersion, vector: Array.from(decodeEmbedding(e)) } : undefined,
      attributes: rec.result ? Object.fromEntries(Object.entries(rec.result.attributes).map(([name, guess]) => [name, guess.value])) : undefined,
      labels: rec.result ? Object.fromEntries(Object.entries(rec.result.attributes).map(([name, guess]) => [name, guess.top ?? [{ value: guess.value, p: guess.confidence }]])) : undefined,
    };
  };
}
