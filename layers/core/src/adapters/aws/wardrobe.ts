/** WardrobeStore over the DynamoDB `wardrobe` table (pk ownerId, sk itemId). */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../tables.ts';
import type { WardrobeItem, WardrobeStore } from '../../vision/wardrobe.ts';
import { dynamoDocClient } from './clients.ts';

export class DynamoWardrobeStore implements WardrobeStore {
  private readonly client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly table: string;

  constructor(opts: { client?: Pick<DynamoDBDocumentClient, 'send'>; table?: string } = {}) {
    this.client = opts.client ?? dynamoDocClient();
    this.table = opts.table ?? tableName('wardrobe');
  }

  /** Keyed by (ownerId, itemId = uploadId): a replay overwrites the same item. */
  async put(item: WardrobeItem): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async list(ownerId: string, limit = 100): Promise<WardrobeItem[]> {
    const items: WardrobeItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'ownerId = :o',
          ExpressionAttributeValues: { ':o': ownerId },
          ExclusiveStartKey: start,
          Limit: limit - items.length,
        }),
      );
      items.push(...((r.Items ?? []) as WardrobeItem[]));
      start = r.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }
}
