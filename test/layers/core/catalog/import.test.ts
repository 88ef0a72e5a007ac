/**
 * importCatalog against the local cloud (dynalite + s3rver over HTTP) on a generated Kaggle-layout folder:
 * bad rows are reported and skipped, missing images are warnings, a second run changes nothing.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { importCatalog, ImportSourceError } from '#core/catalog/import';
import { main, parseImportArgs } from '../../../../infra/local/catalog-import-cli.ts';
import { useLocalCloud } from '../../../support/local-cloud.ts';
import { jpeg, kaggleRow, writeKaggleFixture } from './fixtures.ts';

useLocalCloud({ api: false });

let source: string;
const lines = [
  kaggleRow(101), // line 1
  kaggleRow(102, { articleType: 'Jeans', price: 1500 }), // line 2
  kaggleRow(103, { price: undefined }), // line 3: rejected, missing price
  '{"id": 104, "title": "broken', // line 4: rejected, not JSON
  kaggleRow(105), // line 5: no image file
  kaggleRow(101, { title: 'again' }), // line 6: rejected, duplicate id
  kaggleRow(106), // line 7: image file that is not a JPEG
  kaggleRow(107, { id: 'x107' }), // line 8: rejected, bad id
];

beforeAll(async () => {
  source = await writeKaggleFixture({ lines, images: [101, 102, 103, [106, Buffer.from('GIF89a not a jpeg')]] });
});
afterAll(async () => {
  await rm(source, { recursive: true, force: true });
});

describe('importCatalog', () => {
  it('imports good rows, reports bad ones with line and reason, and carries on', async () => {
    const repo = new DynamoCatalogRepo();
    const blobs = new S3BlobStore();
    const progress: number[] = [];
    const r = await importCatalog({ source, images: 'hires', onlyWithImages: false, repo, blobs, batchSize: 2, onProgress: (p) => progress.push(p.lines) });

    expect(r.imported).toBe(4);
    expect(r.rejected).toEqual([
      { line: 3, id: '103', reason: 'missing price' },
      { line: 4, reason: 'not valid JSON' },
      { line: 6, id: '101', reason: 'duplicate id (first seen on line 1)' },
      { line: 8, id: 'x107', reason: 'bad id "x107": must be a non-negative integer' },
    ]);
    // Missing image → imported without imageKeys, reported as a warning.
    expect(r.missingImages.sort()).toEqual(['105', '106']);
    expect(r.warnings).toEqual([{ line: 7, id: '106', reason: expect.stringMatching(/not a JPEG/) }]);
    expect(r.imagesUploaded).toBe(2);
    expect(progress.length).toBeGreaterThan(1);

    const p101 = await repo.get('101');
    expect(p101).toMatchObject({ id: '101', imageKeys: ['products/101.jpg'], price: 600 });
    expect((await repo.get('105'))?.imageKeys).toEqual([]);
    expect(await repo.get('103')).toBeUndefined();
    const stored = await blobs.get('products/101.jpg');
    expect(Buffer.from(stored!).equals(await readFile(path.join(source, 'images-hires/101.jpg')))).toBe(true);
    expect((await blobs.head('products/101.jpg'))?.contentType).toBe('image/jpeg');
    expect(await blobs.head('products/106.jpg')).toBeUndefined();
  });

  it('is idempotent: a second run uploads and writes nothing', async () => {
    const repo = new DynamoCatalogRepo();
    const before = await repo.get('101');
    const r = await importCatalog({ source, images: 'hires', onlyWithImages: false, repo, blobs: new S3BlobStore(), now: () => new Date('2030-01-01T00:00:00Z') });
    expect(r).toMatchObject({ imported: 0, unchanged: 4, imagesUploaded: 0, imagesAlreadyPresent: 2 });
    expect(await repo.get('101')).toEqual(before);
  });

  it('rewrites a changed product, keeping createdAt and vision attributes', async () => {
    const repo = new DynamoCatalogRepo();
    const old = (await repo.get('102'))!;
    await repo.put({ ...old, vision: { dominantColour: 'blue' } });
    const changed = await writeKaggleFixture({ lines: [kaggleRow(102, { articleType: 'Jeans', price: 1700 })], images: [] }, path.join(source, 'changed'));
    await writeFile(path.join(changed, 'images-hires', '102.jpg'), await jpeg(102));
    const r = await importCatalog({ source: changed, images: 'hires', repo, blobs: new S3BlobStore(), now: () => new Date('2030-01-01T00:00:00Z') });
    expect(r).toMatchObject({ imported: 1, unchanged: 0, imagesAlreadyPresent: 1 });
    const now = (await repo.get('102'))!;
    expect(now.price).toBe(1700);
    expect(now.createdAt).toBe(old.createdAt);
    expect(now.updatedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(now.vision).toEqual({ dominantColour: 'blue' });
  });

  it('with hires images, takes only products that have one (the demo set) and honours --limit', async () => {
    const repo = new DynamoCatalogRepo();
    const blobs = new S3BlobStore();
    const r = await importCatalog({ source, images: 'hires', repo, blobs });
    expect(r.skipped).toBe(1); // 105: no image (103 has one but no price: rejected, not skipped)
    expect(r.missingImages).toEqual(['106']);
    const limited = await importCatalog({ source, images: 'hires', limit: 1, repo, blobs });
    expect(limited.limitReached).toBe(true);
    expect(limited.imported + limited.unchanged).toBe(1);
    expect(limited.lines).toBe(1);
  });

  it('fails clearly when the source has no catalog', async () => {
    await expect(importCatalog({ source: path.join(source, 'images-hires'), images: 'hires', repo: new DynamoCatalogRepo(), blobs: new S3BlobStore() })).rejects.toBeInstanceOf(ImportSourceError);
    await expect(importCatalog({ source, images: 'small', onlyWithImages: true, repo: new DynamoCatalogRepo(), blobs: new S3BlobStore() })).rejects.toThrow(/images-60x80 does not exist/);
  });
});

describe('catalog:import CLI', () => {
  it('validates its arguments with clear messages', () => {
    expect(() => parseImportArgs([])).toThrow(/--source is required/);
    expect(() => parseImportArgs(['--source', '/definitely/not/here'])).toThrow(/not a directory/);
    expect(() => parseImportArgs(['--source', source, '--images', 'huge'])).toThrow(/--images must be "hires" or "small"/);
    expect(() => parseImportArgs(['--source', source, '--limit', 'ten'])).toThrow(/--limit must be a positive integer/);
    expect(() => parseImportArgs(['--source', source, '--colour'])).toThrow(/Unknown option '--colour'/);
    expect(parseImportArgs(['--source', source, '--images', 'small', '--limit', '5', '--all'])).toMatchObject({ images: 'small', limit: 5, onlyWithImages: false });
  });

  it('runs an import and writes the JSON report', async () => {
    const report = path.join(source, 'report.json');
    const code = await main(['--source', source, '--all', '--quiet', '--report', report]);
    expect(code).toBe(0);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.rejected).toHaveLength(4);
    expect(json.unchanged + json.imported).toBe(4);
  });
});
