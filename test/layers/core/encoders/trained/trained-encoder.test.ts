import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoder, encoderKind } from '#core/encoders/registry';
import { TrainedEncoder } from '#core/encoders/trained/trained-encoder';
import { trainedModelDir } from '#core/encoders/trained/model-card';
import { modelFile } from '#core/model-files';
import { MOBILENET_SOURCE } from '#core/encoders/mobilenet-graph';
import { fetchArtifacts } from '../../../../../models/artifacts.ts';
import { datasetDir } from '../../../../../models/training/data.ts';

// Real catalog thumbnails (training/validation fold, never the test fold): a red dress, blue jeans, a black T-shirt.
const RED_DRESS = '25908';
const BLUE_JEANS = '10488';
const BLACK_TSHIRT = '10665';
const image = (id: string) => new Uint8Array(fs.readFileSync(path.join(datasetDir(), 'images-60x80', `${id}.jpg`)));
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

let enc: TrainedEncoder;
beforeAll(async () => {
  if (!fs.existsSync(modelFile(MOBILENET_SOURCE))) await fetchArtifacts({ only: ['mobilenetv2-12-int8'] });
  enc = await TrainedEncoder.open();
});
afterAll(() => enc?.dispose());

describe('TrainedEncoder (models/trained)', () => {
  it('is the default of the registry and names itself from the card', async () => {
    expect(encoderKind({})).toBe('trained');
    expect(() => encoderKind({ LOOKBOOK_ENCODER: 'bert' })).toThrow(/LOOKBOOK_ENCODER/);
    const e = await createEncoder({ env: {} });
    expect(e.id).toBe('lookbook-trained');
    expect(e.version).toBe(enc.card.version);
    expect(e.dim).toBe(enc.card.dim);
    expect(e.dim).toBeGreaterThanOrEqual(256);
    await (e as TrainedEncoder).dispose();
  });

  it('describeImage: the same embedding as embedImage, and the heads\' top labels (a red dress, blue jeans)', async () => {
    for (const [id, type, colour] of [[RED_DRESS, 'Dresses', 'Red'], [BLUE_JEANS, 'Jeans', 'Blue']]) {
      const d = await enc.describeImage(image(id));
      expect(Array.from(d.embedding)).toEqual(Array.from(await enc.embedImage(image(id))));
      expect(d.attributes).toMatchObject({ articleType: type, baseColour: colour });
      expect(Object.keys(d.attributes).sort()).toEqual(Object.keys(enc.card.heads).sort());
    }
  });

  it('returns unit vectors for texts (also empty or unknown ones) and images', async () => {
    for (const t of ['red dress', 'men navy blue slim fit checked shirt', 'zzqx', '']) {
      const v = await enc.embedText(t);
      expect(v).toHaveLength(enc.dim);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    const v = await enc.embedImage(image(RED_DRESS));
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
  });

  it('embedImage = embedFeatures(imageFeatures) = batch', async () => {
    const f = await enc.imageFeatures(image(BLUE_JEANS));
    const a = await enc.embedImage(image(BLUE_JEANS));
    const [b] = await enc.embedFeaturesBatch([f]);
    Array.from(a).forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
  });

  it('puts "red dress" nearer a red dress than blue jeans, and "blue jeans" the other way round', async () => {
    const [dress, jeans, tshirt] = await Promise.all([RED_DRESS, BLUE_JEANS, BLACK_TSHIRT].map((id) => enc.embedImage(image(id))));
    const redDress = await enc.embedText('red dress');
    const blueJeans = await enc.embedText('blue jeans');
    const blackTshirt = await enc.embedText("men's black t-shirt");
    expect(dot(redDress, dress)).toBeGreaterThan(dot(redDress, jeans));
    expect(dot(blueJeans, jeans)).toBeGreaterThan(dot(blueJeans, dress));
    expect(dot(blackTshirt, tshirt)).toBeGreaterThan(Math.max(dot(blackTshirt, dress), dot(blackTshirt, jeans)));
  });

  it("imageQuery re-weighs each label block by the card's image-query weight and stays a unit vector", async () => {
    const space = enc.card.space!;
    const [catalog, query] = [space.labelBlocks!, space.imageQueryBlocks!];
    const v = await enc.embedImage(image(RED_DRESS));
    const q = enc.imageQuery(v);
    expect(Math.hypot(...q)).toBeCloseTo(1, 4);
    // Relative to the contrastive part, each block's largest value moves by (query weight ÷ catalog weight).
    const base = q[0] / v[0] / (query.base / catalog.base);
    let at = space.contrastiveDim;
    for (const block of catalog.heads) {
      const size = enc.card.heads[block.name].length;
      const top = at + v.subarray(at, at + size).reduce((best, x, i, all) => (x > all[best] ? i : best), 0);
      const weight = query.heads.find((h) => h.name === block.name)!.weight;
      expect(q[top] / v[top]).toBeCloseTo(base * (weight / block.weight), 4);
      at += size;
    }
    expect(at).toBe(enc.dim);
    expect(Array.from(enc.imageQuery(Float32Array.of(1, 0)))).toEqual([1, 0]); // another space's vector passes through
  });

  it('appearanceQuery keeps the contrastive part alone, a unit vector; describeImage gives each head its ranked labels', async () => {
    const contrastive = enc.card.space!.contrastiveDim;
    const v = await enc.embedImage(image(RED_DRESS));
    const a = enc.appearanceQuery(v);
    expect(Math.hypot(...a)).toBeCloseTo(1, 4);
    expect(a.subarray(contrastive).every((x) => x === 0)).toBe(true);
    const scale = a[0] / v[0];
    for (let i = 0; i < contrastive; i += 17) expect(a[i]).toBeCloseTo(v[i] * scale, 5);
    const d = await enc.describeImage(image(RED_DRESS));
    expect(d.labels!.articleType[0].value).toBe(d.attributes.articleType);
    expect(d.labels!.baseColour.every((x, i, all) => i === 0 || x.p <= all[i - 1].p)).toBe(true);
  });

  it('tags with labels from the card, probabilities summing to 1', async () => {
    const f = await enc.imageFeatures(image(BLUE_JEANS));
    const tags = await enc.tagger.tag(f);
    const probs = await enc.tagger.probabilities(f);
    expect(Object.keys(tags).sort()).toEqual(Object.keys(enc.card.heads).sort());
    for (const [head, t] of Object.entries(tags)) {
      expect(enc.card.heads[head]).toContain(t.value);
      expect(t.top[0]).toEqual({ value: t.value, p: t.confidence });
      expect(t.top.every((x, i) => i === 0 || x.p <= t.top[i - 1].p)).toBe(true);
      expect(probs[head].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(tags.articleType.value).toBe('Jeans');
    expect(tags.subCategory.value).toBe('Bottomwear');
  });

  it('refuses a model whose files do not match the card', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'lookbook-trained-'));
    const src = trainedModelDir();
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    fs.appendFileSync(path.join(dir, 'tokenizer.json'), ' ');
    await expect(TrainedEncoder.open({ dir })).rejects.toThrow(/sha256/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
