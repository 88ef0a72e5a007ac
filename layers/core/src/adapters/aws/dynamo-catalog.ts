/**
 * CatalogRepo over DynamoDB (table `catalog`, see tables.ts).
 *
 * - list(): Query byCategoryPrice when an articleType/category is given, byGenderPrice when a gender is given,
 *   a filtered Scan otherwise; price bounds go into the key condition on the GSIs; the other filters are a
 *   FilterExpression. Pages are filled across several DynamoDB calls (a FilterExpression can leave a call
 *   nearly empty) and the cursor is then the key of the last item returned — any item's key is a valid
 *   ExclusiveStartKey, so a page never skips or repeats items.
 * - putMany(): BatchWriteItem in chunks of 25, retrying UnprocessedItems and throttling errors with
 *   exponential backoff and full jitter (on top of the SDK's own retries).
 * - getMany(): BatchGetItem in chunks of 100, same retry policy for UnprocessedKeys.
 */
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { Product, type ProductFilters } from '../../catalog/product.ts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../catalog/cursor.ts';
import type { CatalogRepo, Page } from '../../ports.ts';
import { tableName, tables } from '../../tables.ts';
import { dynamoDocClient } from './clients.ts';

type Item = Record<string, unknown>;
type Key = Record<string, string | number>;

const [BY_CATEGORY, BY_GENDER] = tables.catalog.gsis.map((g) => g.indexName) as ['byCategoryPrice', 'byGenderPrice'];

export interface RetryPolicy {
  /** Attempts per batch before giving up (the first try included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 5_000 };

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError', 'ServiceUnavailable']);
export const isThrottling = (err: unknown) => err instanceof Error && THROTTLING.has(err.name);

/** Full-jitter exponential backoff: a random wait in [0, min(max, base·2^attempt)). */
export const backoffMs = (attempt: number, p: RetryPolicy) => Math.random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** DynamoDB rejects empty sets and (on older engines) empty strings; an absent attribute reads back as the schema default. */
export function toItem(p: Product): Item {
  const item: Item = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    item[k] = v;
  }
  return item;
}

export function fromItem(item: Item): Product | undefined {
  const r = Product.safeParse(item);
  return r.success ? r.data : undefined;
}

const StartKey = z.record(z.string(), z.union([z.string().max(512), z.number()]));
const CursorPayload = z.object({ v: z.literal(1), m: z.enum(['c', 'g', 's', 'a']), p: z.string().max(256).optional(), k: StartKey }).strict();
type CursorPayload = z.infer<typeof CursorPayload>;

/** The key attributes a start key must have, per mode (table key + index key). */
const KEY_SHAPE: Record<CursorPayload['m'], Record<string, 'string' | 'number'>> = {
  c: { id: 'string', articleType: 'string', price: 'number' },
  g: { id: 'string', gender: 'string', price: 'number' },
  s: { id: 'string' },
  a: { id: 'string' },
};

function checkStartKey(mode: CursorPayload['m'], k: Key): void {
  const shape = KEY_SHAPE[mode];
  const names = Object.keys(k);
  if (names.length !== Object.keys(shape).length || names.some((n) => typeof k[n] !== shape[n])) throw new InvalidCursorError();
}

export interface DynamoCatalogRepoOptions {
  client?: Pick<DynamoDBDocumentClient, 'send'>;
  table?: string;
  retry?: Partial<RetryPolicy>;
  /** Upper bound on DynamoDB calls used to fill one list() page. */
  maxCallsPerPage?: number;
}

export class DynamoCatalogRepo implements CatalogRepo {
  private readonly client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly table: string;
  private readonly retry: RetryPolicy;
  private readonly maxCallsPerPage: number;

  constructor(opts: DynamoCatalogRepoOptions = {}) {
    this.client = opts.client ?? dynamoDocClient();
    this.table = opts.table ?? tableName('catalog');
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.maxCallsPerPage = opts.maxCallsPerPage ?? 8;
  }

  async get(id: string): Promise<Product | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: { id } }));
    return r.Item ? fromItem(r.Item) : undefined;
  }

  async getMany(ids: string[]): Promise<Product[]> {
    const unique = [...new Set(ids)];
    const found = new Map<string, Product>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Item[] = unique.slice(i, i + 100).map((id) => ({ id }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= this.retry.maxAttempts) throw new Error(`BatchGet on ${this.table}: ${keys.length} keys still unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(backoffMs(attempt, this.retry));
        try {
          const r = await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
          for (const item of r.Responses?.[this.table] ?? []) {
            const p = fromItem(item);
            if (p) found.set(p.id, p);
          }
          keys = (r.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined) ?? [];
        } catch (err) {
          if (!isThrottling(err)) throw err;
        }
      }
    }
    return ids.map((id) => found.get(id)).filter((p): p is Product => !!p);
  }

  async put(product: Product): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: toItem(Product.parse(product)) }));
  }

  async putMany(products: Product[]): Promise<{ written: number }> {
    // A BatchWrite may not name one key twice: the last version of a product wins.
    const byId = new Map(products.map((p) => [p.id, toItem(Product.parse(p))]));
    const items = [...byId.values()];
    for (let i = 0; i < items.length; i += 25) {
      await this.writeChunk(items.slice(i, i + 25));
    }
    return { written: items.length };
  }

  private async writeChunk(items: Item[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.retry.maxAttempts) throw new Error(`BatchWrite on ${this.table}: ${pending.length} items still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(backoffMs(attempt, this.retry));
      try {
        const r = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (r.UnprocessedItems?.[this.table] as typeof pending | undefined) ?? [];
      } catch (err) {
        if (!isThrottling(err)) throw err;
      }
    }
  }

  async list(filters: ProductFilters & { category?: string }, limit: number, cursor?: string): Promise<Page<Product>> {
    const f = { ...filters, articleType: filters.category ?? filters.articleType };
    if (f.category !== undefined && filters.articleType !== undefined && filters.articleType !== filters.category) return { items: [] };
    const mode: 'c' | 'g' | 's' = f.articleType !== undefined ? 'c' : f.gender !== undefined ? 'g' : 's';
    const partition = mode === 'c' ? f.articleType : mode === 'g' ? f.gender : undefined;
    let startKey = cursor === undefined ? undefined : this.decode(cursor, mode, partition);

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filterParts: string[] = [];
    const keyParts: string[] = [];
    const bind = (attr: string, value: unknown) => {
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
    };
    // Price range: key condition on the GSIs (sorted by price), filter on a Scan.
    const priceParts: string[] = [];
    if (f.priceMin !== undefined && f.priceMax !== undefined) priceParts.push('#price BETWEEN :priceMin AND :priceMax');
    else if (f.priceMin !== undefined) priceParts.push('#price >= :priceMin');
    else if (f.priceMax !== undefined) priceParts.push('#price <= :priceMax');
    if (priceParts.length) {
      names['#price'] = 'price';
      if (f.priceMin !== undefined) values[':priceMin'] = f.priceMin;
      if (f.priceMax !== undefined) values[':priceMax'] = f.priceMax;
      (mode === 's' ? filterParts : keyParts).push(...priceParts);
    }
    if (mode !== 's') {
      const attr = mode === 'c' ? 'articleType' : 'gender';
      bind(attr, partition);
      keyParts.unshift(`#${attr} = :${attr}`);
    }
    for (const attr of ['gender', 'masterCategory', 'subCategory', 'baseColour', 'season', 'usage'] as const) {
      const v = f[attr];
      if (v === undefined || (mode === 'g' && attr === 'gender')) continue;
      bind(attr, v);
      filterParts.push(`#${attr} = :${attr}`);
    }
    if (f.inStock) {
      names['#stock'] = 'stock';
      values[':zero'] = 0;
      filterParts.push('#stock > :zero');
    }

    const items: Product[] = [];
    const keyOf = (p: Product): Key => (mode === 'c' ? { id: p.id, articleType: p.articleType, price: p.price } : mode === 'g' ? { id: p.id, gender: p.gender, price: p.price } : { id: p.id });
    for (let call = 0; call < this.maxCallsPerPage; call++) {
      const need = limit - items.length;
      // With a filter, read ahead (the cursor is then the last returned item); without one, read exactly what is needed.
      const readLimit = filterParts.length ? Math.min(1000, Math.max(need * 4, 100)) : need;
      const common = {
        TableName: this.table,
        Limit: readLimit,
        ExclusiveStartKey: startKey,
        FilterExpression: filterParts.length ? filterParts.join(' AND ') : undefined,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
      };
      let r;
      try {
        r = await this.client.send(
          mode === 's'
            ? new ScanCommand(common)
            : new QueryCommand({ ...common, IndexName: mode === 'c' ? BY_CATEGORY : BY_GENDER, KeyConditionExpression: keyParts.join(' AND ') }),
        );
      } catch (err) {
        // A start key that passed our shape check but that DynamoDB still refuses is a bad cursor, not a 500.
        if (cursor !== undefined && err instanceof Error && err.name === 'ValidationException' && /start(ing)? key|ExclusiveStartKey/i.test(err.message)) throw new InvalidCursorError();
        throw err;
      }
      const got = (r.Items ?? []).map((i) => fromItem(i)).filter((p): p is Product => !!p);
      if (got.length > need) {
        items.push(...got.slice(0, need));
        return { items, cursor: this.encode(mode, partition, keyOf(items[items.length - 1]!)) };
      }
      items.push(...got);
      startKey = r.LastEvaluatedKey as Key | undefined;
      if (!startKey) return { items };
      if (items.length >= limit) break;
    }
    return { items, cursor: startKey ? this.encode(mode, partition, startKey) : undefined };
  }

  async scan(cursor?: string, limit = 500): Promise<Page<Product>> {
    const startKey = cursor === undefined ? undefined : this.decode(cursor, 'a', undefined);
    const r = await this.client.send(new ScanCommand({ TableName: this.table, Limit: limit, ExclusiveStartKey: startKey }));
    const items = (r.Items ?? []).map((i) => fromItem(i)).filter((p): p is Product => !!p);
    return { items, cursor: r.LastEvaluatedKey ? this.encode('a', undefined, r.LastEvaluatedKey as Key) : undefined };
  }

  private encode(m: CursorPayload['m'], p: string | undefined, k: Key): string {
    return encodeCursor({ v: 1, m, p, k } satisfies CursorPayload);
  }

  /** A cursor only continues the query it came from: same access path, same partition value, right key shape. */
  private decode(cursor: string, mode: CursorPayload['m'], partition: string | undefined): Key {
    const c = decodeCursor(cursor, CursorPayload);
    if (c.m !== mode || c.p !== partition) throw new InvalidCursorError('cursor belongs to a different query');
    checkStartKey(mode, c.k);
    if (mode === 'c' && c.k.articleType !== partition) throw new InvalidCursorError();
    if (mode === 'g' && c.k.gender !== partition) throw new InvalidCursorError();
    return c.k;
  }
}
