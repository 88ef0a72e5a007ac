/**
 * DynamoDB table definitions: the single source for the CDK stack and for the local cloud's CreateTable calls.
 * Plain data on purpose: no AWS imports, so the domain stays clean and both hosts can read it.
 */
export type AttrType = 'S' | 'N';
export interface KeyDef { name: string; type: AttrType }
export interface GsiDef { indexName: string; partitionKey: KeyDef; sortKey?: KeyDef; projection: 'ALL' | 'KEYS_ONLY' }
export interface TableDef {
  /** Logical name; the physical name comes from env TABLE_<ID uppercased> (see tableName). */
  id: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  gsis: GsiDef[];
  ttlAttribute?: string;
  /** Access patterns this table serves, written down next to the keys that serve them. */
  accessPatterns: string[];
}

export const tables = {
  catalog: {
    id: 'catalog',
    partitionKey: { name: 'id', type: 'S' },
    gsis: [
      {
        indexName: 'byCategoryPrice',
        partitionKey: { name: 'articleType', type: 'S' },
        sortKey: { name: 'price', type: 'N' },
        projection: 'ALL',
      },
      {
        indexName: 'byGenderPrice',
        partitionKey: { name: 'gender', type: 'S' },
        sortKey: { name: 'price', type: 'N' },
        projection: 'ALL',
      },
    ],
    accessPatterns: [
      'product by id: GetItem id',
      'products of a category (articleType) in a price range: Query byCategoryPrice articleType = :c AND price BETWEEN',
      'products for a gender in a price range: Query byGenderPrice gender = :g AND price BETWEEN',
      'whole catalog for index builds: parallel Scan',
    ],
  },
  sessions: {
    id: 'sessions',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    gsis: [],
    ttlAttribute: 'expiresAt',
    accessPatterns: [
      'session by id: pk = SESSION#<id>, sk = META',
      'messages of a session in order: pk = SESSION#<id>, sk begins_with MSG#<iso time>',
      'events by user and time: pk = USER#<userId>, sk BETWEEN EVENT#<from> AND EVENT#<to>',
    ],
  },
  analyses: {
    id: 'analyses',
    partitionKey: { name: 'uploadId', type: 'S' },
    gsis: [],
    ttlAttribute: 'expiresAt',
    accessPatterns: ['analysis of an upload by id: GetItem uploadId (written with conditional puts for idempotency)'],
  },
  wardrobe: {
    id: 'wardrobe',
    partitionKey: { name: 'ownerId', type: 'S' },
    sortKey: { name: 'itemId', type: 'S' },
    gsis: [],
    accessPatterns: ['wardrobe items of a shopper (session or user): Query ownerId = :o'],
  },
} as const satisfies Record<string, TableDef>;

export type TableId = keyof typeof tables;

/** Physical table name: env TABLE_CATALOG etc., defaulting to lookbook-<id>. */
export function tableName(id: TableId, env: Record<string, string | undefined> = process.env): string {
  return env[`TABLE_${id.toUpperCase()}`] ?? `lookbook-${id}`;
}
