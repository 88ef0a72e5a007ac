/**
 * `npm start` calls ensureSearchIndex(log) after seeding the demo catalog: build and publish the index when no
 * current version was made with this encoder, otherwise reuse it (a second start costs one pointer read).
 *
 * This is composition, like a handler: it wires the AWS adapters (pointed at the local cloud by env) to the
 * domain's buildIndex, and loads them lazily so importing the domain never pulls in the SDK.
 */
import type { Encoder } from '../ports.ts';
import { readManifest } from '../index/artifact-io.ts';
import { baseVersion } from '../index/artifact.ts';
import { buildIndex, type PrecomputedEmbedding } from './build-index.ts';
import type { ImageFeatures } from '../encoders/image-features.ts';

/**
 * The demo catalog's images are the high-resolution set whose MobileNet + colour features `npm run train`
 * already cached (models/.cache/features): with an encoder that embeds features, the first build skips decoding
 * 3,000 large JPEGs. Products are matched by id and only when their image is that set's file (products/<id>.jpg).
 */
async function cachedFeatureEmbeddings(encoder: Encoder, log: (m: string) => void): Promise<PrecomputedEmbedding | undefined> {
  const embedFeatures = (encoder as Partial<{ embedFeatures(f: ImageFeatures): Promise<Float32Array> }>).embedFeatures?.bind(encoder);
  if (!embedFeatures) return undefined;
  try {
    const cache = await import('../../../../models/training/feature-cache.ts');
    if (!cache.hasFeatureCache('hires')) return undefined;
    const table = cache.readFeatureCache('hires');
    const rowOf = new Map(table.ids.map((id, i) => [id, i]));
    log(`using cached image features for ${table.ids.length} high-resolution images`);
    return async (p) => {
      const i = rowOf.get(p.id);
      if (i === undefined || p.imageKeys[0] !== `products/${p.id}.jpg`) return undefined;
      return embedFeatures(cache.featureRow(table, i));
    };
  } catch (err) {
    log(`no cached image features (${(err as Error).message.split('\n')[0]}); embedding images`);
    return undefined;
  }
}

export interface EnsureIndexResult {
  action: 'reused' | 'built';
  version: string;
  count: number;
  encoder: { id: string; version: string };
  ms: number;
}

export async function ensureSearchIndex(log: (message: string) => void = console.log, opts: { encoder?: Encoder; force?: boolean } = {}): Promise<EnsureIndexResult> {
  const started = performance.now();
  const [{ s3IndexStore }, { DynamoCatalogRepo }, { S3BlobStore }] = await Promise.all([
    import('../adapters/aws/index-store.ts'),
    import('../adapters/aws/dynamo-catalog.ts'),
    import('../adapters/aws/s3-blob-store.ts'),
  ]);
  const encoder = opts.encoder ?? (await (await import('../encoders/registry.ts')).createEncoder());
  const store = s3IndexStore();
  const pointer = await store.readPointer();
  if (pointer && !opts.force && pointer.encoder.id === encoder.id && pointer.encoder.version === encoder.version) {
    try {
      const manifest = await readManifest(store, baseVersion(pointer));
      const count = pointer.count ?? manifest.count;
      if (count > 0 && manifest.dim === encoder.dim) {
        log(`search index ${pointer.version} reused (${count} products, encoder ${encoder.id} ${encoder.version})`);
        return { action: 'reused', version: pointer.version, count, encoder: manifest.encoder, ms: Math.round(performance.now() - started) };
      }
    } catch (err) {
      log(`search index ${pointer.version} unusable (${(err as Error).message}); rebuilding`);
    }
  } else if (pointer) {
    log(`search index ${pointer.version} was built with encoder ${pointer.encoder.id} ${pointer.encoder.version}; rebuilding for ${encoder.id} ${encoder.version}`);
  } else {
    log('no search index yet; building it from the catalog');
  }
  const precomputed = await cachedFeatureEmbeddings(encoder, log);
  const report = await buildIndex({ catalog: new DynamoCatalogRepo(), images: new S3BlobStore({ bucket: 'catalog' }), encoder, store, log, precomputed });
  return { action: 'built', version: report.manifest.version, count: report.manifest.count, encoder: report.manifest.encoder, ms: Math.round(performance.now() - started) };
}
