/**
 * The default encoder: the text–image space trained in this project (models/trained, `npm run train`).
 * A pipeline per modality — text: tokenize → text.onnx; image: decode → MobileNet + colour features →
 * image.onnx — with entry points in the middle for callers that already hold features (index builds from the
 * feature cache, the vision pipeline on a crop).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openSession, type ModelSession } from '../../adapters/onnx/session.ts';
import type { Encoder, ImageDescription } from '../../ports.ts';
import { createImageFeaturizer, FEATURES_VERSION, type ImageFeatures, type ImageFeaturizer } from '../image-features.ts';
import type { RgbImage } from '../image-decode.ts';
import { AttributeTagger } from './attribute-tagger.ts';
import { ImageHead } from './image-head.ts';
import { readModelCard, trainedModelDir, type BlockWeights, type ModelCard } from './model-card.ts';
import { Tokenizer, type TokenizerVocab } from './tokenizer.ts';

export interface TrainedEncoderOptions {
  /** Folder with card.json, text.onnx, image.onnx, tokenizer.json (default models/trained or LOOKBOOK_TRAINED_DIR). */
  dir?: string;
  /** Reuse an open featurizer (MobileNet session); by default the encoder opens its own on first image. */
  featurizer?: ImageFeaturizer;
  /** Skip the sha256 check of the model files (tests of generated models). */
  verify?: boolean;
}

export class TrainedEncoder implements Encoder {
  readonly id: string;
  readonly version: string;
  readonly dim: number;
  readonly tagger: AttributeTagger;
  private featurizer?: Promise<ImageFeaturizer>;
  private readonly ownsFeaturizer: boolean;
  /** Per dimension: image-query weight ÷ catalog weight of its block (undefined: image queries as they are). */
  private readonly queryScale?: Float32Array;
  /** Per dimension: 1 on the contrastive part, 0 on the label blocks (undefined: no label blocks). */
  private readonly appearanceScale?: Float32Array;

  private constructor(
    readonly card: ModelCard,
    readonly tokenizer: Tokenizer,
    private readonly text: ModelSession,
    private readonly head: ImageHead,
    featurizer?: ImageFeaturizer,
  ) {
    this.id = card.id;
    this.version = card.version;
    this.dim = card.dim;
    this.tagger = new AttributeTagger(head);
    this.ownsFeaturizer = !featurizer;
    if (featurizer) this.featurizer = Promise.resolve(featurizer);
    const space = card.space;
    if (space?.labelBlocks && space.imageQueryBlocks) this.queryScale = blockScale(card, space.contrastiveDim, space.labelBlocks, space.imageQueryBlocks);
    if (space?.labelBlocks) {
      const unlabelled = { base: space.labelBlocks.base, heads: space.labelBlocks.heads.map((h) => ({ name: h.name, weight: 0 })) };
      this.appearanceScale = blockScale(card, space.contrastiveDim, space.labelBlocks, unlabelled);
    }
  }

  static async open(opts: TrainedEncoderOptions = {}): Promise<TrainedEncoder> {
    const dir = opts.dir ?? trainedModelDir();
    const card = readModelCard(dir, { verify: opts.verify });
    if (opts.featurizer && opts.featurizer.version !== card.featuresVersion)
      throw new Error(`trained model ${card.version} expects image features ${card.featuresVersion}, featurizer gives ${opts.featurizer.version}`);
    if (card.featuresVersion !== FEATURES_VERSION && !opts.featurizer)
      throw new Error(`trained model ${card.version} was trained on features ${card.featuresVersion}; this code computes ${FEATURES_VERSION}: run \`npm run train\``);
    const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as TokenizerVocab;
    const [text, head] = await Promise.all([openSession(path.join(dir, 'text.onnx')), ImageHead.open(dir, card)]);
    return new TrainedEncoder(card, new Tokenizer(vocab), text, head, opts.featurizer);
  }

  async embedText(text: string): Promise<Float32Array> {
    const t = this.tokenizer.encode(text);
    // No known token: one zero-weight feature keeps the graph's shapes valid (the result is the bias direction).
    const ids = t.ids.length ? BigInt64Array.from(t.ids, (i) => BigInt(i)) : BigInt64Array.of(0n);
    const weights = t.ids.length ? t.weights : Float32Array.of(0);
    const out = await this.text.run({ ids: { data: ids, dims: [ids.length] }, weights: { data: weights, dims: [ids.length, 1] } }, ['embedding']);
    return Float32Array.from(out.embedding.data);
  }

  private getFeaturizer(): Promise<ImageFeaturizer> {
    this.featurizer ??= createImageFeaturizer();
    return this.featurizer;
  }

  /** MobileNet + colour features of encoded image bytes (what the feature cache stores). */
  async imageFeatures(image: Uint8Array): Promise<ImageFeatures> {
    return (await this.getFeaturizer()).features(image);
  }

  /** Features of decoded RGB pixels (a crop). */
  async rgbFeatures(img: RgbImage): Promise<ImageFeatures> {
    return (await this.getFeaturizer()).featuresOfRgb(img);
  }

  async embedImage(image: Uint8Array): Promise<Float32Array> {
    return this.embedFeatures(await this.imageFeatures(image));
  }

  async describeImage(image: Uint8Array): Promise<ImageDescription> {
    const { embedding, tags } = await this.analyse(await this.imageFeatures(image));
    return {
      embedding,
      attributes: Object.fromEntries(Object.entries(tags).map(([name, t]) => [name, t.value])),
      labels: Object.fromEntries(Object.entries(tags).map(([name, t]) => [name, t.top])),
    };
  }

  /**
   * Image embeddings are normalise([base·u, w·√p per label block]); a query re-weighs the blocks with the card's
   * image-query weights (chosen on the validation fold: a photo query leans on type and colour more than a catalog
   * image does) and renormalises. Exact from the stored embedding, so uploads' kept embeddings work too.
   */
  imageQuery(embedding: Float32Array): Float32Array {
    return rescale(embedding, this.queryScale);
  }

  /**
   * The contrastive part alone (label blocks zeroed, renormalised): against catalog embeddings, whose label blocks
   * have one norm, it ranks by appearance only, as the look-alike vote wants (ranking/lookalike-vote.ts).
   */
  appearanceQuery(embedding: Float32Array): Float32Array {
    return rescale(embedding, this.appearanceScale);
  }

  async embedFeatures(features: ImageFeatures): Promise<Float32Array> {
    return (await this.head.run([features], false)).embeddings[0];
  }

  /** Many at once (index builds): one session run per call. */
  async embedFeaturesBatch(features: readonly ImageFeatures[]): Promise<Float32Array[]> {
    return (await this.head.run(features, false)).embeddings;
  }

  /** Embedding and attribute tags from one run (the vision pipeline). */
  async analyse(features: ImageFeatures) {
    const [embedding, tags] = await Promise.all([this.embedFeatures(features), this.tagger.tag(features)]);
    return { embedding, tags };
  }

  async dispose(): Promise<void> {
    const closing: Promise<void>[] = [this.text.dispose(), this.head.dispose()];
    if (this.ownsFeaturizer && this.featurizer) closing.push(this.featurizer.then((f) => f.close()));
    await Promise.all(closing);
  }
}

/** The embedding with each dimension scaled, renormalised (as it is without a scale or on a length mismatch). */
function rescale(embedding: Float32Array, scale: Float32Array | undefined): Float32Array {
  if (!scale || embedding.length !== scale.length) return embedding;
  const out = new Float32Array(scale.length);
  let norm = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = embedding[i] * scale[i];
    norm += out[i] * out[i];
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}

/** Per-dimension factors from catalog-image block weights to image-query ones (card layout: base, then blocks in order). */
function blockScale(card: ModelCard, contrastiveDim: number, catalog: BlockWeights, query: BlockWeights): Float32Array {
  const scale = new Float32Array(card.dim);
  scale.fill(query.base / catalog.base, 0, contrastiveDim);
  let at = contrastiveDim;
  for (const block of catalog.heads) {
    const size = card.heads[block.name]?.length;
    if (size === undefined) throw new Error(`trained model ${card.version}: label block ${block.name} has no head`);
    const q = query.heads.find((h) => h.name === block.name)?.weight ?? block.weight;
    scale.fill(q / block.weight, at, at + size);
    at += size;
  }
  if (at !== card.dim) throw new Error(`trained model ${card.version}: blocks span ${at} dimensions, the card says ${card.dim}`);
  return scale;
}

export const createTrainedEncoder = (opts?: TrainedEncoderOptions) => TrainedEncoder.open(opts);
