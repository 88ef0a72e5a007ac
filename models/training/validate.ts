/**
 * Validation after training: embeds the validation fold once, tunes the label-block weights of the hybrid
 * space on it (grid search), and reports the metrics of the contrastive space alone and of the tuned hybrid.
 * Validation fold only — the test fold belongs to `npm run eval`.
 */
import type { Tokenizer } from '../../layers/core/src/encoders/trained/tokenizer.ts';
import type { CatalogRow } from './data.ts';
import { addBias, mulberry32, textForward, type HeadSpec, type Model } from './model.ts';
import { gemm, mat, type Mat } from './gemm.ts';
import { combine, labelBlocks, type BlockWeights } from './hybrid.ts';
import { embedImages, imageToImagePrecision, labelPrecision, labelQueries, titleRetrievalOf, topK } from './metrics.ts';

export const BLOCK_HEADS = ['articleType', 'baseColour', 'gender'];

interface Side {
  u: Mat;
  blocks: Record<string, Mat>;
}

async function textSide(model: Model, tok: Tokenizer, texts: string[]): Promise<Side> {
  const { u } = textForward(model, texts.map((t) => tok.encode(t)));
  if (!model.textHeads.length) return { u, blocks: {} };
  const logits = await gemm(u, mat(model.cfg.dim, model.numQuery, model.Wq.data));
  addBias(logits, model.bq.data);
  return { u, blocks: labelBlocks(logits, model.textHeads, BLOCK_HEADS, 1) };
}

async function imageSide(model: Model, X: Mat): Promise<Side & { logits: Mat }> {
  const { emb, logits } = await embedImages(model, X);
  return { u: emb, logits, blocks: labelBlocks(logits, model.heads, BLOCK_HEADS, 0) };
}

export interface ValidationInput {
  model: Model;
  tok: Tokenizer;
  heads: HeadSpec[];
  headLabel: (r: CatalogRow, head: number) => number | undefined;
  train: { rows: CatalogRow[]; X: Mat };
  val: { rows: CatalogRow[]; X: Mat };
  hiresVal: { rows: CatalogRow[]; X: Mat };
  log: (s: string) => void;
}

/** Grid points of the shared block weights refined further (see validate). */
const BEAM = 4;

export async function validate(inp: ValidationInput) {
  const { model, tok, val } = inp;
  const g = (r: CatalogRow) => r.gender.toLowerCase(), c = (r: CatalogRow) => r.baseColour.toLowerCase(), ty = (r: CatalogRow) => r.articleType.toLowerCase();
  const gctQ = labelQueries(val.rows, ['gender', 'baseColour', 'articleType'], (r) => `${g(r)} ${c(r)} ${ty(r)}`);
  const ctQ = labelQueries(val.rows, ['baseColour', 'articleType'], (r) => `${c(r)} ${ty(r)}`);
  const trainTitles = new Set(inp.train.rows.map((r) => r.title));
  const titles = [...new Set(val.rows.map((r) => r.title))].filter((t) => !trainTitles.has(t)).slice(0, 2000);
  const [vImg, hImg, gctT, ctT, titleT] = [
    await imageSide(model, val.X), await imageSide(model, inp.hiresVal.X),
    await textSide(model, tok, gctQ.queries.map((q) => q.text)), await textSide(model, tok, ctQ.queries.map((q) => q.text)),
    await textSide(model, tok, titles),
  ];
  // Composed queries (as npm run eval): a hi-res image + a colour word other than its own, α = 0.5;
  // relevant = the image's articleType in the named colour (colours with ≥ 5 such validation products).
  const byTypeColour = new Map<string, number>();
  for (const r of val.rows) byTypeColour.set(`${r.articleType}|${r.baseColour}`, (byTypeColour.get(`${r.articleType}|${r.baseColour}`) ?? 0) + 1);
  const colours = [...new Set(val.rows.map((r) => r.baseColour).filter(Boolean))].sort();
  const pick = mulberry32(9);
  const composedPlans = inp.hiresVal.rows.flatMap((r, qi) => {
    const options = colours.filter((c) => c !== r.baseColour && (byTypeColour.get(`${r.articleType}|${c}`) ?? 0) >= 5);
    return options.length ? [{ qi, type: r.articleType, colour: options[Math.floor(pick() * options.length)] }] : [];
  });
  const colourT = await textSide(model, tok, composedPlans.map((c) => c.colour));
  const names = model.textHeads.length ? BLOCK_HEADS : [];
  // w weighs the blocks of image embeddings (the gallery), wt those of text queries and wq those of image queries
  // (same blocks, own weights: an image query may lean on the label blocks more than a gallery item does).
  const score = async (w: BlockWeights, wt: BlockWeights = w, wq: BlockWeights = w) => {
    const gal = combine(vImg.u, vImg.blocks, w, names);
    const m = {
      t2i_gender_colour_type_p10: await labelPrecision(combine(gctT.u, gctT.blocks, wt, names), gctQ, gal),
      t2i_colour_type_p10: await labelPrecision(combine(ctT.u, ctT.blocks, wt, names), ctQ, gal),
      i2i_hires_p10: await imageToImagePrecision(combine(hImg.u, hImg.blocks, wq, names), inp.hiresVal.rows, gal, val.rows),
      ...Object.fromEntries(Object.entries(await titleRetrievalOf(combine(titleT.u, titleT.blocks, wt, names), titles, gal, val.rows)).filter(([k]) => k !== 'queries').map(([k, v]) => [`title_${k}`, v])),
    };
    const qImg = combine(hImg.u, hImg.blocks, wq, names), qTxt = combine(colourT.u, colourT.blocks, wt, names);
    const fused = mat(composedPlans.length, gal.cols);
    composedPlans.forEach((c, i) => {
      let n = 0;
      for (let j = 0; j < gal.cols; j++) {
        const v = 0.5 * qImg.data[c.qi * gal.cols + j] + 0.5 * qTxt.data[i * gal.cols + j];
        fused.data[i * gal.cols + j] = v;
        n += v * v;
      }
      for (let j = 0; j < gal.cols; j++) fused.data[i * gal.cols + j] /= Math.sqrt(n) || 1;
    });
    const hits = await topK(fused, gal, 10);
    (m as Record<string, number>).composed_p10 = composedPlans.reduce((a, c, i) => a + Array.from(hits[i]).filter((g) => val.rows[g].articleType === c.type && val.rows[g].baseColour === c.colour).length / 10, 0) / (composedPlans.length || 1);
    return m as Record<string, number>;
  };
  const objective = (m: Record<string, number>) => (m.t2i_gender_colour_type_p10 + m.t2i_colour_type_p10 + m.i2i_hires_p10 + m.title_r10 + m.composed_p10) / 5;
  const base: BlockWeights = { base: 1, heads: {} };
  let best = { w: base, wt: base, wq: base, m: await score(base) };
  inp.log(`validation, contrastive space only: ${JSON.stringify(round(best.m))}`);
  if (names.length) {
    // The shared weights on a grid; the text side's and the image queries' own weights are then refined by
    // coordinate search from each of the BEAM best grid points, and the best end point wins (refining only the
    // grid's best can end lower than refining its runner-up).
    const grid: { w: BlockWeights; m: Record<string, number> }[] = [];
    for (const bt of [0, 0.3, 0.5, 0.8, 1.2, 1.6, 2])
      for (const bc of [0, 0.3, 0.5, 0.8, 1.2, 1.6])
        for (const bg of [0, 0.3, 0.6, 0.9]) {
          const w: BlockWeights = { base: 1, heads: { articleType: bt, baseColour: bc, gender: bg } };
          grid.push({ w, m: await score(w) });
        }
    grid.sort((a, b) => objective(b.m) - objective(a.m));
    for (const start of grid.slice(0, BEAM).filter((g) => objective(g.m) > objective(best.m))) {
      let cand = { w: start.w, wt: start.w, wq: start.w, m: start.m };
      // The text side's own weights (× the image side's): the text→image and composed scores depend on the
      // product of both sides' weights, image→image on the image side's alone.
      for (let pass = 0; pass < 2; pass++)
        for (const n of names)
          for (const f of [0, 0.5, 0.75, 1.25, 1.5, 2, 3]) {
            const wt: BlockWeights = { base: 1, heads: { ...cand.wt.heads, [n]: Math.round((cand.w.heads[n] ?? 0) * f * 1e4) / 1e4 } };
            const m = await score(cand.w, wt);
            if (objective(m) > objective(cand.m) + 1e-9) cand = { ...cand, wt, m };
          }
      // Image queries' own weights, the same way (they move image→image and composed only).
      for (let pass = 0; pass < 2; pass++)
        for (const n of names)
          for (const f of [0, 0.5, 0.75, 1.25, 1.5, 2, 3, 4, 6, 8]) {
            if (!cand.w.heads[n]) continue;
            const wq: BlockWeights = { base: 1, heads: { ...cand.wq.heads, [n]: Math.round((cand.w.heads[n] ?? 0) * f * 1e4) / 1e4 } };
            const m = await score(cand.w, cand.wt, wq);
            if (objective(m) > objective(cand.m) + 1e-9) cand = { ...cand, wq, m };
          }
      inp.log(`block weights from grid point ${JSON.stringify(start.w.heads)} (${objective(start.m).toFixed(4)}): text ${JSON.stringify(cand.wt.heads)}, image queries ${JSON.stringify(cand.wq.heads)} → ${objective(cand.m).toFixed(4)} ${JSON.stringify(round(cand.m))}`);
      if (objective(cand.m) > objective(best.m) + 1e-9) best = cand;
    }
    inp.log(`block weights tuned on validation: ${JSON.stringify(best.w.heads)}, text ${JSON.stringify(best.wt.heads)}, image queries ${JSON.stringify(best.wq.heads)}`);
  }
  // Final numbers with the chosen weights; title retrieval also against the train + validation gallery.
  const tImg = await imageSide(model, inp.train.X);
  const bigGal = mat(inp.train.rows.length + val.rows.length, 0);
  const galT = combine(tImg.u, tImg.blocks, best.w, names), galV = combine(vImg.u, vImg.blocks, best.w, names);
  bigGal.cols = galT.cols;
  bigGal.data = new Float32Array(bigGal.rows * bigGal.cols);
  bigGal.data.set(galT.data, 0);
  bigGal.data.set(galV.data, galT.data.length);
  const big = await titleRetrievalOf(combine(titleT.u, titleT.blocks, best.wt, names), titles, bigGal, [...inp.train.rows, ...val.rows]);
  const metrics: Record<string, number> = { ...best.m, title_r1_trainval_gallery: big.r1, title_r10_trainval_gallery: big.r10, title_mrr10_trainval_gallery: big.mrr10 };
  inp.heads.forEach((h, hi) => {
    let n = 0, ok = 0;
    val.rows.forEach((r, i) => {
      const y = inp.headLabel(r, hi);
      if (y === undefined) return;
      n++;
      const row = vImg.logits.data.subarray(i * model.numAttr + h.offset, i * model.numAttr + h.offset + h.labels.length);
      let bi = 0;
      for (let k = 1; k < row.length; k++) if (row[k] > row[bi]) bi = k;
      if (bi === y) ok++;
    });
    metrics[`head_${h.name}_top1`] = n ? ok / n : 0;
  });
  const contrastiveOnly = round(await score(base));
  return {
    weights: best.w,
    textWeights: best.wt,
    imageQueryWeights: best.wq,
    blockHeads: names,
    metrics: round(metrics),
    contrastiveOnly,
    counts: { composedQueries: composedPlans.length, gctQueries: gctQ.queries.length, ctQueries: ctQ.queries.length, hiresQueries: inp.hiresVal.rows.length, titles: titles.length },
  };
}

function round(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.toFixed(4))]));
}
