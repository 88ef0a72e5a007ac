/**
 * The trained model's card (models/trained/card.json): what the files are, their checksums, the attribute
 * heads' label lists and the validation metrics. Loading verifies every file's sha256, so a stale or
 * half-copied model fails loudly at start-up instead of answering with nonsense.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { trainedFile } from '../../model-files.ts';

/** Weights of the hybrid space's blocks: the contrastive embedding (`base`) and each label block (√p of a head). */
const BlockWeights = z.object({ base: z.number(), heads: z.array(z.object({ name: z.string(), weight: z.number() })) });
export type BlockWeights = z.infer<typeof BlockWeights>;

export const ModelCard = z
  .object({
    id: z.string(),
    version: z.string(),
    dim: z.number().int().positive(),
    featuresVersion: z.string(),
    inputs: z.object({ mobilenetDim: z.number().int(), colourDim: z.number().int() }),
    files: z.record(z.string(), z.object({ sha256: z.string(), bytes: z.number().int() })),
    heads: z.record(z.string(), z.array(z.string())),
    space: z
      .object({ contrastiveDim: z.number().int(), labelBlocks: BlockWeights.nullable(), imageQueryBlocks: BlockWeights.nullish() })
      .loose()
      .optional(),
    validation: z.record(z.string(), z.number()).optional(),
  })
  .loose();
export type ModelCard = z.infer<typeof ModelCard>;

/** The folder holding text.onnx, image.onnx, tokenizer.json and card.json (env LOOKBOOK_TRAINED_DIR). */
export const trainedModelDir = (env: Record<string, string | undefined> = process.env) => path.dirname(trainedFile('card.json', env));

export function readModelCard(dir = trainedModelDir(), opts: { verify?: boolean } = {}): ModelCard {
  const cardPath = path.join(dir, 'card.json');
  if (!fs.existsSync(cardPath)) throw new Error(`no trained model at ${dir} (card.json missing): run \`npm run train\``);
  const card = ModelCard.parse(JSON.parse(fs.readFileSync(cardPath, 'utf8')));
  if (opts.verify ?? true) {
    for (const [file, { sha256 }] of Object.entries(card.files)) {
      const p = path.join(dir, file);
      if (!fs.existsSync(p)) throw new Error(`trained model ${card.version}: ${file} is missing in ${dir}`);
      const actual = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      if (actual !== sha256) throw new Error(`trained model ${card.version}: ${file} sha256 ${actual} ≠ card ${sha256}`);
    }
  }
  return card;
}
