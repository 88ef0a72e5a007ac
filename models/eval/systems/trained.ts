/**
 * The trained encoder (models/trained, `npm run train`), evaluated from the shared image-feature cache
 * (MobileNet + colour features of every catalog image, computed once) so the 44k gallery embeds in seconds.
 * Its attribute heads answer the attribute task's "heads" rows, alone and voted on by each image's catalog
 * look-alikes (ranking/lookalike-vote.ts) as the search service does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainedModelDir } from '../../../layers/core/src/encoders/trained/model-card.ts';
import { TrainedEncoder } from '../../../layers/core/src/encoders/trained/trained-encoder.ts';
import type { ImageFeatures } from '../../../layers/core/src/encoders/image-features.ts';
import { featureRow } from '../../training/feature-cache.ts';
import type { AttributeTags } from '../../../layers/core/src/encoders/trained/attribute-tagger.ts';
import { LOOKALIKE_VOTE, votedLabel } from '../../../layers/core/src/ranking/lookalike-vote.ts';
import { Gallery, type Hit } from '../search.ts';
import type { EvalData, EvalSystem, ImageSet } from '../types.ts';
import { featureTables } from './feature-tables.ts';

const BATCH = 512;

export async function createTrainedSystem(data: EvalData, dir = trainedModelDir()): Promise<EvalSystem | undefined> {
  if (!fs.existsSync(path.join(dir, 'card.json'))) {
    process.stderr.write(`trained encoder: no model in ${dir} (run \`npm run train\`)\n`);
    return undefined;
  }
  const enc = await TrainedEncoder.open({ dir });
  const table = featureTables();
  const tagCache = new Map<string, AttributeTags>();
  const lookalikeCache = new Map<string, Hit[]>();
  const byId = new Map(data.products.map((p) => [p.id, p]));
  // The look-alikes come from the catalog outside the test fold, embedded as the live index holds it.
  let catalog: Promise<Gallery> | undefined;
  const lookalikeGallery = () => {
    const ids = data.imageIds.small.filter((id) => !id.endsWith('7'));
    catalog ??= system.embedImages('small', ids).then((rows) => Gallery.fromRows(ids, rows, enc.dim));
    return catalog;
  };

  /** Each image's nearest catalog products by appearance (Encoder.appearanceQuery), as the search service finds them. */
  async function lookalikes(set: ImageSet, ids: readonly string[]): Promise<Hit[][]> {
    const todo = ids.filter((id) => !lookalikeCache.has(`${set}:${id}`));
    if (todo.length) {
      const [gallery, vectors] = await Promise.all([lookalikeGallery(), system.embedImages(set, todo)]);
      const hits = await gallery.searchMany(vectors.map((v) => enc.appearanceQuery(v)), LOOKALIKE_VOTE.k);
      todo.forEach((id, i) => lookalikeCache.set(`${set}:${id}`, hits[i]));
    }
    return ids.map((id) => lookalikeCache.get(`${set}:${id}`)!);
  }

  /** Features from the cache, or computed from the image when the cache lacks the id (undefined if undecodable). */
  async function features(set: ImageSet, ids: readonly string[]): Promise<Array<ImageFeatures | undefined>> {
    const { table: t, row } = await table(set);
    return Promise.all(
      ids.map(async (id) => {
        const r = row.get(id);
        if (r !== undefined) return featureRow(t, r);
        try {
          return await enc.imageFeatures(await data.readImage(set, id));
        } catch {
          return undefined;
        }
      }),
    );
  }

  const system: EvalSystem = {
    id: 'trained',
    label: `trained (${enc.version.slice(0, 12)})`,
    dim: enc.dim,
    note: `the encoder trained here: ${enc.id} ${enc.version}, image = MobileNetV2 + colour features → MLP, text = hashed word/char n-grams, ${enc.dim}-d.`,
    async embedImages(set, ids, progress) {
      const out: Float32Array[] = [];
      for (let i = 0; i < ids.length; i += BATCH) {
        const feats = await features(set, ids.slice(i, i + BATCH));
        const ok = feats.filter((f): f is ImageFeatures => f !== undefined);
        const vecs = ok.length ? await enc.embedFeaturesBatch(ok) : [];
        let k = 0;
        for (const f of feats) out.push(f ? vecs[k++] : new Float32Array(enc.dim));
        progress?.(Math.min(ids.length, i + BATCH));
      }
      return out;
    },
    imageQuery: (embedding) => enc.imageQuery(embedding),
    async embedTexts(texts) {
      const out: Float32Array[] = [];
      for (const t of texts) out.push(await enc.embedText(t));
      return out;
    },
    async predictAttribute(attribute, set, ids, opts) {
      if (!enc.tagger.labels[attribute]) return undefined;
      const todo = ids.filter((id) => !tagCache.has(`${set}:${id}`));
      for (let i = 0; i < todo.length; i += BATCH) {
        const chunk = todo.slice(i, i + BATCH);
        const feats = await features(set, chunk);
        const ok = chunk.filter((_, k) => feats[k]);
        const tags = await enc.tagger.tagMany(feats.filter((f): f is ImageFeatures => f !== undefined));
        ok.forEach((id, k) => tagCache.set(`${set}:${id}`, tags[k]));
      }
      const heads = ids.map((id) => tagCache.get(`${set}:${id}`)?.[attribute]);
      if (!opts?.lookalikes) return heads.map((t) => t?.value ?? '');
      const near = await lookalikes(set, ids);
      return heads.map((t, i) => (t ? votedLabel(t.top, near[i], (id) => byId.get(id)?.[attribute]) : ''));
    },
    close: () => enc.dispose(),
  };
  return system;
}
