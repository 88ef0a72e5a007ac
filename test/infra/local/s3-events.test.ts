import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Context, S3Event } from 'aws-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalCloud } from '../../../infra/local/cloud.ts';
import { encodeEventKey, type DeadLetter } from '../../../infra/local/s3-events.ts';
import { bucketName } from '../../../layers/core/src/buckets.ts';
import { s3Client } from '../../../layers/core/src/adapters/aws/clients.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('S3 ObjectCreated → Lambda', () => {
  it('delivers a real-shaped S3Event to the function subscribed to the bucket and prefix', async () => {
    const received: Array<{ event: S3Event; context: Context }> = [];
    const cloud = await startLocalCloud({
      quiet: true,
      notifications: [{ bucket: 'uploads', prefix: 'incoming/', name: 'analyse', handler: async (event, context) => void received.push({ event: event as S3Event, context }) }],
    });
    try {
      const body = Buffer.from('fake jpeg bytes');
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('uploads'), Key: 'incoming/my photo+1.jpg', Body: body }));
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('uploads'), Key: 'other/ignored.jpg', Body: body }));
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('catalog'), Key: 'incoming/ignored.jpg', Body: body }));
      await cloud.drainEvents();

      expect(received).toHaveLength(1);
      const { event, context } = received[0]!;
      expect(event.Records).toHaveLength(1);
      const r = event.Records[0]!;
      expect(r).toMatchObject({ eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventName: 'ObjectCreated:Put' });
      expect(new Date(r.eventTime).getTime()).not.toBeNaN();
      expect(r.s3.bucket).toMatchObject({ name: bucketName('uploads'), arn: `arn:aws:s3:::${bucketName('uploads')}` });
      expect(r.s3.object.key).toBe('incoming/my+photo%2B1.jpg');
      // Handlers decode keys the way AWS documents it.
      expect(decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '))).toBe('incoming/my photo+1.jpg');
      expect(r.s3.object.size).toBe(body.length);
      expect(r.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(r.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
      expect(context.functionName).toBe('analyse');
      expect(cloud.deadLetters).toEqual([]);
    } finally {
      await cloud.stop();
    }
  });

  it('retries a failing function twice, then dead-letters the event and the error', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookbook-dlq-'));
    dirs.push(dataDir);
    let calls = 0;
    const cloud = await startLocalCloud({
      dataDir,
      quiet: true,
      eventRetryDelaysMs: [10, 10],
      notifications: [
        {
          bucket: 'uploads',
          prefix: '',
          name: 'always-fails',
          handler: async () => {
            calls++;
            throw new Error('cannot decode image');
          },
        },
      ],
    });
    try {
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('uploads'), Key: 'bad.jpg', Body: 'x' }));
      await cloud.drainEvents();
      expect(calls).toBe(3);
      expect(cloud.deadLetters).toHaveLength(1);
      expect(cloud.deadLetters[0]).toMatchObject({ functionName: 'always-fails', attempts: 3, error: 'Error: cannot decode image' });
      const lines = (await fs.readFile(path.join(dataDir, 'dlq.jsonl'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      const letter = JSON.parse(lines[0]!) as DeadLetter;
      expect(letter.event.Records[0]!.s3.object.key).toBe('bad.jpg');
    } finally {
      await cloud.stop();
    }
  });

  it('a function that fails once succeeds on retry and is not dead-lettered', async () => {
    let calls = 0;
    const cloud = await startLocalCloud({
      quiet: true,
      eventRetryDelaysMs: [10, 10],
      notifications: [
        {
          bucket: 'artifacts',
          prefix: '',
          name: 'flaky',
          handler: async () => {
            if (calls++ === 0) throw new Error('transient');
          },
        },
      ],
    });
    try {
      await s3Client().send(new PutObjectCommand({ Bucket: bucketName('artifacts'), Key: 'a', Body: 'x' }));
      await cloud.drainEvents();
      expect(calls).toBe(2);
      expect(cloud.deadLetters).toEqual([]);
    } finally {
      await cloud.stop();
    }
  });

  it('encodes keys as S3 notifications do', () => {
    expect(encodeEventKey('a/b c/ü:1.jpg')).toBe('a/b+c/%C3%BC%3A1.jpg');
  });
});
