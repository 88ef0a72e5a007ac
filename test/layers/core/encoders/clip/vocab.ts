/** Tests need the CLIP vocabulary in the model cache; fetch it (from the mirror, checksum-verified) when a fresh clone lacks it. */
import fs from 'node:fs';
import { CLIP_VOCAB_FILE } from '#core/encoders/clip/tokenizer';
import { modelFile } from '#core/model-files';
import { fetchArtifacts } from '../../../../../models/artifacts.ts';

export async function ensureClipVocab(): Promise<void> {
  if (!fs.existsSync(modelFile(CLIP_VOCAB_FILE))) await fetchArtifacts({ only: ['clip-bpe-vocab'] });
}
