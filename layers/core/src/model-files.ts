/**
 * Where model files live at run time. `npm run models:fetch` places upstream artifacts (named in
 * models/manifest.json) in models/.cache; models trained by this project (`npm run train`) live in
 * models/trained. A container image bakes both in and points these variables at them.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Upstream artifacts (MobileNetV2, YOLOX, CLIP vocabulary …): env LOOKBOOK_MODEL_DIR, default models/.cache. */
export function modelFile(file: string, env: Record<string, string | undefined> = process.env): string {
  return path.join(env.LOOKBOOK_MODEL_DIR ?? path.join(repoRoot, 'models/.cache'), file);
}

/** Models this project trained: env LOOKBOOK_TRAINED_DIR, default models/trained. */
export function trainedFile(file: string, env: Record<string, string | undefined> = process.env): string {
  return path.join(env.LOOKBOOK_TRAINED_DIR ?? path.join(repoRoot, 'models/trained'), file);
}

export { repoRoot };
