import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startLocalCloud } from '../../../infra/local/cloud.ts';
import { tables, tableName, type TableDef } from '../../../layers/core/src/tables.ts';
import { buckets, bucketName, type BucketId } from '../../../layers/core/src/buckets.ts';
import { dynamoDocClient, s3Client } from '../../../layers/core/src/adapters/aws/clients.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('local cloud', () => {
  it('creates every table (keys, GSIs) and bucket from the shared definitions and points the SDK at them', async () => {
    const cloud = await startLocalCloud({ quiet: true });
    try {
      expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(cloud.urls.dynamodb);
      expect(process.env.AWS_ENDPOINT_URL_S3).toBe(cloud.urls.s3);
      expect(cloud.env).toMatchObject({ AWS_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true', TABLE_CATALOG: tableName('catalog'), BUCKET_UPLOADS: bucketName('uploads') });
      expect(cloud.urls.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const ddb = new DynamoDBClient({});
      for (const def of Object.values(tables) as TableDef[]) {
        const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName(def.id as keyof typeof tables) }));
        expect(Table?.TableStatus).toBe('ACTIVE');
        expect(Table?.KeySchema).toEqual([
          { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
        ]);
        expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName, g.KeySchema?.map((k) => k.AttributeName)])).toEqual(
          def.gsis.map((g) => [g.indexName, [g.partitionKey.name, ...(g.sortKey ? [g.sortKey.name] : [])]]),
        );
      }
      ddb.destroy();
      for (const id of Object.keys(buckets) as BucketId[]) {
        await expect(s3Client().send(new HeadBucketCommand({ Bucket: bucketName(id) }))).resolves.toBeDefined();
      }
      // TTL tables are listed as skipped: dynalite has no UpdateTimeToLive.
      expect(cloud.provisioned.ttlSkipped.sort()).toEqual(
        (Object.values(tables) as TableDef[]).filter((t) => t.ttlAttribute).map((t) => `${tableName(t.id as keyof typeof tables)}.${t.ttlAttribute}`).sort(),
      );
    } finally {
      await cloud.stop();
    }
    expect(process.env.AWS_ENDPOINT_URL_S3).toBeUndefined();
  });

  it('checks S3 signatures, and presigned URLs work', async () => {
    const cloud = await startLocalCloud({ quiet: true });
    try {
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('catalog'), Key: 'images/1.jpg', Body: Buffer.from([1, 2, 3]), ContentType: 'image/jpeg' }));
      const wrongKey = new S3Client({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' }, forcePathStyle: true });
      await expect(wrongKey.send(new GetObjectCommand({ Bucket: bucketName('catalog'), Key: 'images/1.jpg' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      wrongKey.destroy();
      const url = await getSignedUrl(s3Client(), new GetObjectCommand({ Bucket: bucketName('catalog'), Key: 'images/1.jpg' }), { expiresIn: 60 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
      // HeadBucket (answered without listing) still checks existence; listings are unaffected.
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('catalog'), Key: 'images/2.jpg', Body: 'x' }));
      await expect(s3Client().send(new HeadBucketCommand({ Bucket: bucketName('catalog') }))).resolves.toBeDefined();
      await expect(s3Client().send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucketName('catalog') }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(['images/1.jpg', 'images/2.jpg']);
      expect((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=' + '0'.repeat(64)))).status).toBe(403);
    } finally {
      await cloud.stop();
    }
  });

  it('replaces an object atomically: reads during overwrites get one whole version, never a cut one', async () => {
    const cloud = await startLocalCloud({ quiet: true });
    try {
      const Bucket = bucketName('artifacts'), Key = 'index/current.json';
      const versions = Array.from({ length: 6 }, (_, i) => Buffer.alloc(20_000 * (i + 1), 97 + i)); // 'aaa…', 'bbbbbb…'
      await s3Client().send(new PutObjectCommand({ Bucket, Key, Body: versions[0] }));
      const reads: Promise<Buffer>[] = [];
      const writes = versions.slice(1).map(async (body) => {
        reads.push(s3Client().send(new GetObjectCommand({ Bucket, Key })).then(async (r) => Buffer.from(await r.Body!.transformToByteArray())));
        await s3Client().send(new PutObjectCommand({ Bucket, Key, Body: body }));
        reads.push(s3Client().send(new GetObjectCommand({ Bucket, Key })).then(async (r) => Buffer.from(await r.Body!.transformToByteArray())));
      });
      await Promise.all(writes);
      for (const body of await Promise.all(reads)) expect(versions.some((v) => v.equals(body))).toBe(true);
      const listed = await s3Client().send(new ListObjectsV2Command({ Bucket, Prefix: 'index/' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual([Key]); // no temporary file left or listed
    } finally {
      await cloud.stop();
    }
  });

  it('persists data under dataDir and provisions idempotently on restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookbook-cloud-'));
    dirs.push(dataDir);
    const first = await startLocalCloud({ dataDir, quiet: true });
    expect(first.provisioned.tablesCreated).toHaveLength(Object.keys(tables).length);
    await dynamoDocClient().send(new PutCommand({ TableName: tableName('catalog'), Item: { id: 'p1', title: 'Red Dress', articleType: 'Dresses', gender: 'Women', price: 10 } }));
    await s3Client().send(new PutObjectCommand({ Bucket: bucketName('artifacts'), Key: 'index/v1.bin', Body: 'idx' }));
    await first.stop();

    const second = await startLocalCloud({ dataDir, quiet: true });
    try {
      expect(second.provisioned.tablesCreated).toEqual([]);
      expect(second.provisioned.bucketsCreated).toEqual([]);
      const { Item } = await dynamoDocClient().send(new GetCommand({ TableName: tableName('catalog'), Key: { id: 'p1' } }));
      expect(Item?.title).toBe('Red Dress');
      const obj = await s3Client().send(new GetObjectCommand({ Bucket: bucketName('artifacts'), Key: 'index/v1.bin' }));
      expect(await obj.Body!.transformToString()).toBe('idx');
    } finally {
      await second.stop();
    }
  });
});
