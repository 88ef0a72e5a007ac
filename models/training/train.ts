/**
 * `npm run train`: trains the text–image encoder and the attribute heads on the training fold, reports
 * validation metrics, exports ONNX + tokenizer + model card to models/trained/.
 *
 *   nice npm run train -- [--epochs=12] [--batch=512] [--hidden=1024] [--seed=42] [--out=models/trained] [--no-export]
 *
 * Folds: test = ids ending in 7 (never read here), validation = ids ending in 3 (metrics, tuning), train = rest.
 * Deterministic for a seed: seeded PRNG for init, shuffling, view sampling and dropout; single-threaded kernels.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildVocab, Tokenizer, type TokenizedText } from '../../layers/core/src/encoders/trained/tokenizer.ts';
import { FEATURES_VERSION } from '../../layers/core/src/encoders/image-features.ts';
import { repoRoot } from '../../layers/core/src/model-files.ts';
import { exportImageTower, exportTextTower, CLIP_RANGE } from '../export/trained-model.ts';
import { foldOf, readCatalog, type CatalogRow } from './data.ts';
import { ensureFeatureCache } from './extract-features.ts';
import { featureRow, type FeatureTable } from './feature-cache.ts';
import { closeGemm, mat, type Mat } from './gemm.ts';
import { Model, mulberry32, trainStep, type Batch, type HeadSpec, type TrainConfig } from './model.ts';
import { allViewTexts, FIELDS, fieldValue, sampleView } from './views.ts';
import { BLOCK_HEADS, validate } from './validate.ts';

export const ENCODER_ID = 'lookbook-trained';

const DEFAULTS: TrainConfig = {
  seed: 42, dim: 256, hidden: 1024, dropout: 0.1, batch: 512, epochs: 16,
  lrImage: 1e-3, lrText: 4e-3, weightDecay: 1e-4, auxWeight: 1.0, warmupSteps: 100,
};

/** The attribute heads (and their weight in the auxiliary loss). Classes with fewer than 5 training examples are left out. */
const HEADS: { name: string; weight: number; get: (r: CatalogRow) => string }[] = [
  { name: 'articleType', weight: 1, get: (r) => r.articleType },
  { name: 'subCategory', weight: 0.4, get: (r) => r.subCategory },
  { name: 'gender', weight: 0.5, get: (r) => r.gender },
  { name: 'baseColour', weight: 1, get: (r) => r.baseColour },
  { name: 'usage', weight: 0.3, get: (r) => r.usage },
  { name: 'season', weight: 0.3, get: (r) => r.season },
  { name: 'pattern', weight: 0.3, get: (r) => r.attributes.pattern ?? '' },
];
const MIN_CLASS = 5;

function parseArgs(argv: string[]) {
  const cfg = { ...DEFAULTS };
  let out = path.join(repoRoot, 'models/trained');
  let doExport = true;
  let resume = false;
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    if (k === 'out') out = path.resolve(v);
    else if (k === 'no-export') doExport = false;
    else if (k === 'resume') resume = true;
    else if (k in cfg) (cfg as unknown as Record<string, number>)[k] = Number(v);
    else throw new Error(`unknown option --${k}`);
  }
  return { cfg, out, doExport, resume };
}

interface Split {
  rows: CatalogRow[];
  X: Mat;
}

/** Standardisation statistics of the concatenated features over the training rows (σ floored: near-constant dims). */
function featureStats(t: FeatureTable, idx: number[]) {
  const D = t.mobilenetDim + t.colourDim;
  const mean = new Float64Array(D), sq = new Float64Array(D);
  for (const i of idx) {
    const { mobilenet, colour } = featureRow(t, i);
    for (let d = 0; d < t.mobilenetDim; d++) { mean[d] += mobilenet[d]; sq[d] += mobilenet[d] ** 2; }
    for (let d = 0; d < t.colourDim; d++) { mean[t.mobilenetDim + d] += colour[d]; sq[t.mobilenetDim + d] += colour[d] ** 2; }
  }
  const std = Array.from(mean, (m, d) => Math.sqrt(Math.max(0, sq[d] / idx.length - (m / idx.length) ** 2)));
  const floor = 0.05 * (std.reduce((a, b) => a + b, 0) / D);
  return {
    mean: Float32Array.from(mean, (m) => m / idx.length),
    invStd: Float32Array.from(std, (s) => 1 / Math.max(s, floor)),
  };
}

function standardise(t: FeatureTable, idx: number[], stats: { mean: Float32Array; invStd: Float32Array }): Mat {
  const D = t.mobilenetDim + t.colourDim;
  const X = mat(idx.length, D);
  idx.forEach((i, r) => {
    const { mobilenet, colour } = featureRow(t, i);
    for (let d = 0; d < D; d++) {
      const v = d < t.mobilenetDim ? mobilenet[d] : colour[d - t.mobilenetDim];
      X.data[r * D + d] = Math.max(-CLIP_RANGE, Math.min(CLIP_RANGE, (v - stats.mean[d]) * stats.invStd[d]));
    }
  });
  return X;
}

const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');

export async function train(argv: string[] = process.argv.slice(2)) {
  const { cfg, out, doExport, resume } = parseArgs(argv);
  const t0 = performance.now();
  const log = (s: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);
  const catalog = new Map(readCatalog().map((r) => [r.id, r]));
  const small = await ensureFeatureCache('small');
  const hires = await ensureFeatureCache('hires');
  const idxOf = (fold: string) => small.ids.map((id, i) => [id, i] as const).filter(([id]) => catalog.has(id) && foldOf(id) === fold).map(([, i]) => i);
  const trainIdx = idxOf('train'), valIdx = idxOf('val');
  log(`features ${FEATURES_VERSION}: train ${trainIdx.length}, validation ${valIdx.length} (test fold not loaded)`);
  const stats = featureStats(small, trainIdx);
  const tr: Split = { rows: trainIdx.map((i) => catalog.get(small.ids[i])!), X: standardise(small, trainIdx, stats) };
  const va: Split = { rows: valIdx.map((i) => catalog.get(small.ids[i])!), X: standardise(small, valIdx, stats) };

  // Tokenizer: vocabulary and IDF from the training fold's texts only.
  const vocab = buildVocab(tr.rows.map(allViewTexts), { version: `tok1-${cfg.seed}` });
  const tok = new Tokenizer(vocab);
  log(`tokenizer: ${vocab.words.length} words, ${vocab.bigrams.length} bigrams, ${vocab.trigramBuckets} trigram buckets`);

  // Heads and their label lists (sorted; classes with < MIN_CLASS training examples dropped).
  let offset = 0;
  const heads: HeadSpec[] = HEADS.map((h) => {
    const counts = new Map<string, number>();
    for (const r of tr.rows) if (h.get(r)) counts.set(h.get(r), (counts.get(h.get(r)) ?? 0) + 1);
    const labels = [...counts].filter(([, c]) => c >= MIN_CLASS).map(([l]) => l).sort();
    const spec = { name: h.name, labels, weight: h.weight, offset };
    offset += labels.length;
    return spec;
  });
  const labelIdx = heads.map((h) => new Map(h.labels.map((l, i) => [l, i])));
  const labelsOf = (r: CatalogRow, out: Int32Array, at: number) => HEADS.forEach((h, hi) => (out[at + hi] = labelIdx[hi].get(h.get(r)) ?? -1));

  // Field codes for the multi-positive targets.
  const F = FIELDS.length;
  const codeMaps = FIELDS.map(() => new Map<string, number>());
  const codes = new Int32Array(tr.rows.length * F);
  tr.rows.forEach((r, i) => FIELDS.forEach((f, fi) => {
    const v = fieldValue(r, f).toLowerCase();
    if (!codeMaps[fi].has(v)) codeMaps[fi].set(v, codeMaps[fi].size);
    codes[i * F + fi] = v ? codeMaps[fi].get(v)! : -1 - i; // unknown never matches another product
  }));

  const rng = mulberry32(cfg.seed);
  // Query-label heads on the text side: the same label lists as the image heads they meet in the hybrid space.
  const textHeadSpecs = BLOCK_HEADS.map((n) => heads.find((h) => h.name === n)!);
  const model = new Model(tr.X.cols, tok.size, heads, cfg, rng, textHeadSpecs.map(({ name, labels, weight }) => ({ name, labels, weight })));
  const textHeadField: Record<string, string> = { articleType: 'articleType', baseColour: 'baseColour', gender: 'gender' };
  const tokCache = new Map<string, TokenizedText>();
  const encode = (t: string) => { let e = tokCache.get(t); if (!e) { e = tok.encode(t); tokCache.set(t, e); } return e; };
  const stepsPerEpoch = Math.floor(tr.rows.length / cfg.batch);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const order = Int32Array.from(tr.rows.keys());
  const fieldIndex = new Map(FIELDS.map((f, i) => [f, i]));
  log(`training: ${cfg.epochs} epochs × ${stepsPerEpoch} steps, batch ${cfg.batch}, hidden ${cfg.hidden}, dim ${cfg.dim}`);
  const tTrain = performance.now();
  // Checkpoint (git-ignored cache) keyed by the configuration: --resume re-tunes and re-exports without retraining.
  const ckpt = path.join(repoRoot, 'models/.cache/checkpoints', `${FEATURES_VERSION}-${sha256(JSON.stringify(cfg)).slice(0, 12)}.bin`);
  const params = [model.W1, model.b1, model.W2, model.b2, model.Wa, model.ba, model.E, model.bt, model.logitScale, model.Wq, model.bq];
  const restored = resume && fs.existsSync(ckpt);
  if (restored) {
    const buf = fs.readFileSync(ckpt);
    const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    let o = 0;
    for (const p of params) { p.data.set(all.subarray(o, o + p.data.length)); o += p.data.length; }
    log(`restored ${ckpt}`);
  }
  for (let epoch = 0; epoch < (restored ? 0 : cfg.epochs); epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let nceSum = 0, auxSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const B = cfg.batch;
      const members = order.subarray(s * B, (s + 1) * B);
      const x = mat(B, tr.X.cols);
      const labels = new Int32Array(B * heads.length);
      const views = Array.from(members, (m, b) => {
        x.data.set(tr.X.data.subarray(m * tr.X.cols, (m + 1) * tr.X.cols), b * tr.X.cols);
        labelsOf(tr.rows[m], labels, b * heads.length);
        return sampleView(tr.rows[m], rng);
      });
      const positives = new Uint8Array(B * B);
      views.forEach((v, a) => {
        const fis = v.fields.map((f) => fieldIndex.get(f)!);
        const ca = members[a] * F;
        for (let b = 0; b < B; b++) {
          const cb = members[b] * F;
          positives[a * B + b] = fis.every((fi) => codes[ca + fi] === codes[cb + fi]) ? 1 : 0;
        }
      });
      // What each text names: the label when the view names the field (titles: the product's labels), else "not named".
      const textLabels = new Int32Array(B * textHeadSpecs.length);
      views.forEach((v, b) => textHeadSpecs.forEach((h, k) => {
        const hi = heads.indexOf(h);
        const named = v.fields.includes('title') || v.fields.includes(textHeadField[h.name] as never);
        textLabels[b * textHeadSpecs.length + k] = named ? labels[b * heads.length + hi] : h.labels.length;
      }));
      const batch: Batch = { x, texts: views.map((v) => encode(v.text)), positives, labels, textLabels };
      const step = epoch * stepsPerEpoch + s;
      const warm = Math.min(1, (step + 1) / cfg.warmupSteps);
      const lrScale = warm * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
      const { nce, aux } = await trainStep(model, batch, lrScale, rng);
      nceSum += nce; auxSum += aux;
    }
    log(`epoch ${epoch + 1}/${cfg.epochs}: nce ${(nceSum / stepsPerEpoch).toFixed(3)}, aux ${(auxSum / stepsPerEpoch).toFixed(3)}, temperature ${(1 / Math.exp(model.logitScale.data[0])).toFixed(4)}`);
  }
  let trainSeconds = (performance.now() - tTrain) / 1000;
  if (restored && fs.existsSync(`${ckpt}.json`)) trainSeconds = JSON.parse(fs.readFileSync(`${ckpt}.json`, 'utf8')).seconds;
  if (!restored) {
    fs.mkdirSync(path.dirname(ckpt), { recursive: true });
    fs.writeFileSync(`${ckpt}.json`, JSON.stringify({ seconds: trainSeconds, cfg }));
    fs.mkdirSync(path.dirname(ckpt), { recursive: true });
    const fd = fs.openSync(ckpt, 'w');
    for (const p of params) fs.writeSync(fd, new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
    fs.closeSync(fd);
  }

  const hiresVal = hires.ids.map((id, i) => [id, i] as const).filter(([id]) => foldOf(id) === 'val' && catalog.has(id));
  const v = await validate({
    model, tok, heads, train: tr, val: va, log,
    headLabel: (r, hi) => labelIdx[hi].get(HEADS[hi].get(r)),
    hiresVal: { rows: hiresVal.map(([id]) => catalog.get(id)!), X: standardise(hires, hiresVal.map(([, i]) => i), stats) },
  });
  const metrics = v.metrics;
  log(`validation: ${JSON.stringify(metrics)}`);
  log(`queries: ${JSON.stringify(v.counts)}`);
  // The blocks the image side weighs (> 0) exist on both sides; the text side has its own weights for them.
  const blocks = v.blockHeads.length ? { base: v.weights.base, heads: v.blockHeads.map((name) => ({ name, weight: v.weights.heads[name] ?? 0 })).filter((b) => b.weight > 0) } : undefined;
  const textBlocks = blocks && { base: v.textWeights.base, heads: blocks.heads.map(({ name }) => ({ name, weight: v.textWeights.heads[name] ?? 0 })) };
  const imageQueryBlocks = blocks && { base: v.imageQueryWeights.base, heads: blocks.heads.map(({ name }) => ({ name, weight: v.imageQueryWeights.heads[name] ?? 0 })) };
  const dim = cfg.dim + (blocks?.heads ?? []).reduce((a, b) => a + heads.find((h) => h.name === b.name)!.labels.length, 0);

  if (doExport) {
    fs.mkdirSync(out, { recursive: true });
    const useBlocks = blocks && blocks.heads.length ? blocks : undefined;
    const useTextBlocks = useBlocks && textBlocks;
    const text = exportTextTower({ vocab: tok.size, dim: cfg.dim, E: model.E.data, bt: model.bt.data }, { encoder: ENCODER_ID }, useTextBlocks, {
      Wq: model.Wq.data, bq: model.bq.data, heads: model.textHeads,
    });
    const image = exportImageTower({
      mobilenetDim: small.mobilenetDim, colourDim: small.colourDim, hidden: cfg.hidden, dim: cfg.dim,
      mean: stats.mean, invStd: stats.invStd, W1: model.W1.data, b1: model.b1.data, W2: model.W2.data, b2: model.b2.data,
      Wa: model.Wa.data, ba: model.ba.data, heads,
    }, { encoder: ENCODER_ID }, useBlocks);
    const tokJson = JSON.stringify(vocab);
    const files: Record<string, Uint8Array | string> = { 'text.onnx': text, 'image.onnx': image, 'tokenizer.json': tokJson };
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(out, f), b);
    const space = {
      contrastiveDim: cfg.dim,
      labelBlocks: useBlocks ?? null,
      textLabelBlocks: useTextBlocks ?? null,
      imageQueryBlocks: (useBlocks && imageQueryBlocks) ?? null,
      note: 'embedding = normalise([base·u, w·√p(label) per block]); images: head probabilities with labelBlocks weights, texts: query-label heads without "not named" with textLabelBlocks weights; an image embedding used as a query is re-weighted to imageQueryBlocks (Encoder.imageQuery)',
    };
    // The version names everything that decides an embedding: the towers, the image features they read and the
    // block weights. An index records it, so an index built otherwise is rebuilt, not mixed with new queries.
    const version = `1.${sha256([sha256(text), sha256(image), FEATURES_VERSION, JSON.stringify(space)].join('|')).slice(0, 8)}`;
    const card = {
      id: ENCODER_ID,
      version,
      dim,
      space,
      featuresVersion: FEATURES_VERSION,
      inputs: { mobilenetDim: small.mobilenetDim, colourDim: small.colourDim },
      files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, { sha256: sha256(b), bytes: typeof b === 'string' ? Buffer.byteLength(b) : b.length }])),
      heads: Object.fromEntries(heads.map((h) => [h.name, h.labels])),
      data: {
        dataset: 'Kaggle/Myntra Fashion Product Images (KAGL), 60×80 images',
        folds: 'test = ids ending in 7 (never read), validation = ids ending in 3 (metrics/tuning), train = the rest',
        trainProducts: tr.rows.length,
        validationProducts: va.rows.length,
      },
      hyperParameters: cfg,
      tokenizer: { words: vocab.words.length, bigrams: vocab.bigrams.length, trigramBuckets: vocab.trigramBuckets, groupWeights: vocab.groupWeights },
      training: { seconds: Number(trainSeconds.toFixed(1)), steps: totalSteps, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, finalTemperature: Number((1 / Math.exp(model.logitScale.data[0])).toFixed(4)) },
      validation: metrics,
      validationContrastiveOnly: v.contrastiveOnly,
      validationProtocol: {
        t2i: 'gallery = validation-fold small images (image-only embeddings); queries = distinct label phrases with ≥ 10 relevant (as npm run eval); relevant = all named labels match; P@10',
        i2i_hires: 'queries = validation-fold high-resolution images; gallery = validation small images minus the same product; relevant = same articleType and baseColour; P@10',
        heads: 'top-1 accuracy on the validation fold (labels in the head\'s list)',
        composed: 'validation hi-res image + a colour word other than its own (α = 0.5, as npm run eval); relevant = same articleType in the named colour among validation small images; P@10',
        title: 'queries = distinct validation titles no training product shares (≤ 2000); hit = a product with exactly that title in the top k; title_* on the validation gallery (4.4k), title_*_trainval_gallery on train + validation images (39.7k)',
      },
      createdBy: 'npm run train (models/training/train.ts)',
    };
    fs.writeFileSync(path.join(out, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
    fs.writeFileSync(path.join(out, 'CARD.md'), renderCard(card));
    log(`wrote ${Object.keys(files).join(', ')}, card.json, CARD.md to ${out} (version ${version})`);
  }
  await closeGemm();
  return { metrics };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function renderCard(card: any): string {
  const rows = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : v} |`).join('\n');
  return `# Model card: ${card.id} ${card.version}

Text–image encoder trained in this project (\`npm run train\`, TypeScript on the CPU) and the attribute heads of the vision pipeline.

- **Image tower**: MobileNetV2 int8 pooled feature (1280) + garment colour descriptor (${card.inputs.colourDim}) → standardise → ${card.hyperParameters.hidden} ReLU → ${card.space.contrastiveDim}, unit norm. Attribute heads (softmax) on the hidden layer.
- **Text tower**: tokenizer trained on the training fold (${card.tokenizer.words} words, ${card.tokenizer.bigrams} bigrams, ${card.tokenizer.trigramBuckets} hashed character-trigram buckets, TF-IDF) → embedding bag → ${card.space.contrastiveDim}, unit norm; query-label heads (article type, colour, gender + "not named") on it.
- **Loss**: symmetric InfoNCE with learned temperature, multi-positive targets (a label-phrase view is true of every batch item with those labels; titles of identical titles), text views sampled per step from the title and label/attribute phrases; auxiliary cross-entropy on the attribute heads (weight ${card.hyperParameters.auxWeight}).
- **Space**: ${card.dim} dims = ${card.space.contrastiveDim} contrastive + label blocks ${card.space.labelBlocks ? JSON.stringify(card.space.labelBlocks) : '(none)'} (√ of the article-type/colour/gender probabilities; for texts, of what the text names, weighted ${card.space.textLabelBlocks ? JSON.stringify(card.space.textLabelBlocks.heads) : '(none)'}; an image used as a query re-weighted to ${card.space.imageQueryBlocks ? JSON.stringify(card.space.imageQueryBlocks.heads) : '(as catalog images)'}). Block weights tuned on the validation fold.
- **Features version**: ${card.featuresVersion}

## Data
${card.data.dataset}. Folds: ${card.data.folds}. Train ${card.data.trainProducts}, validation ${card.data.validationProducts} products.

## Hyper-parameters
| name | value |
| --- | --- |
${rows(card.hyperParameters)}

## Training (wall-clock seconds on a 2-core machine shared with the whole team)
| name | value |
| --- | --- |
${rows(card.training)}

## Validation metrics (validation fold, not the test fold)
| metric | value |
| --- | --- |
${rows(card.validation)}

Contrastive space alone (no label blocks): ${JSON.stringify(card.validationContrastiveOnly)}

Protocols:
${Object.entries(card.validationProtocol).map(([k, v]) => `- ${k}: ${v}`).join('\n')}

## Files
| file | bytes | sha256 |
| --- | --- | --- |
${Object.entries(card.files).map(([f, v]: [string, any]) => `| ${f} | ${v.bytes} | ${v.sha256} |`).join('\n')}

## Attribute heads (label lists in card.json)
${Object.entries(card.heads).map(([k, v]: [string, any]) => `- ${k}: ${v.length} classes`).join('\n')}

## Limits
Trained on 60×80 catalog product shots; colour labels are fine and noisy (Navy Blue vs Blue, Off White vs Cream), which caps image→image precision. Not a general-purpose model.
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await train();
}
