/** Seeds the running local cloud with a small generated catalog (via the real importer). */
import { rm } from 'node:fs/promises';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { importCatalog } from '#core/catalog/import';
import { kaggleRow, writeKaggleFixture } from '../../layers/core/catalog/fixtures.ts';

/** 24 products: ids 2000–2023, Tshirts/Jeans/Watches, Men/Women, prices 300–1450; 2023 has no image. */
export async function seedCatalog(): Promise<void> {
  const types = ['Tshirts', 'Jeans', 'Watches'];
  const lines = Array.from({ length: 24 }, (_, i) =>
    kaggleRow(2000 + i, { articleType: types[i % 3], gender: i % 2 ? 'Women' : 'Men', price: 300 + ((i * 7) % 24) * 50, title: `Seed ${types[i % 3]} ${i}` }),
  );
  const images = lines.map((l) => l.id as number).filter((id) => id !== 2023);
  const source = await writeKaggleFixture({ lines, images });
  try {
    const r = await importCatalog({ source, images: 'hires', onlyWithImages: false, repo: new DynamoCatalogRepo(), blobs: new S3BlobStore() });
    if (r.imported !== 24) throw new Error(`seed imported ${r.imported}`);
  } finally {
    await rm(source, { recursive: true, force: true });
  }
}
