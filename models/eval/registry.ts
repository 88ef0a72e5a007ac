/**
 * What `npm run eval` runs: the tasks (one module each under tasks/) and the systems compared in one table
 * (systems/). To add a task, import it here and append it to TASKS; a factory returning undefined means
 * "not available here" (e.g. no real CLIP export configured) and is listed as skipped.
 */
import { attributes } from './tasks/attributes.ts';
import { composed } from './tasks/composed.ts';
import { imageImage } from './tasks/image-image.ts';
import { namedAttributes } from './tasks/named-attributes.ts';
import { kaglAttributes, kaglTextImage } from './tasks/kagl.ts';
import { textImageFull, textImageShort } from './tasks/text-image.ts';
import { visionAttributes } from './tasks/vision-attributes.ts';
import { visionDetection } from './tasks/vision-detection.ts';
import { visionThroughput } from './tasks/vision-throughput.ts';
import { createEnvClipSystem, createTinyClipSystem } from './systems/clip.ts';
import { createImagenetZeroShotSystem } from './systems/imagenet-zero-shot.ts';
import { createRandomSystem } from './systems/random.ts';
import { createTrainedSystem } from './systems/trained.ts';
import type { EvalData, EvalSystem, EvalTask } from './types.ts';

export const TASKS: EvalTask[] = [textImageFull, textImageShort, imageImage, composed, attributes, kaglTextImage, kaglAttributes, namedAttributes];

/** The vision pipeline's tasks (issue 4): system-independent ('once'), on the KAGL photos; run after TASKS. */
export const VISION_TASKS: EvalTask[] = [visionAttributes, visionDetection, visionThroughput];

const ALL_TASKS: EvalTask[] = [...TASKS, ...VISION_TASKS];

export interface SystemFactory {
  id: string;
  /** Needs the real catalog's feature caches (not available on generated test data). */
  needsCatalog?: boolean;
  create(data: EvalData): Promise<EvalSystem | undefined> | EvalSystem | undefined;
}

export const SYSTEMS: SystemFactory[] = [
  { id: 'trained', needsCatalog: true, create: (data) => createTrainedSystem(data) },
  { id: 'clip', create: (data) => createEnvClipSystem(data) },
  { id: 'imagenet-zero-shot', needsCatalog: true, create: (data) => createImagenetZeroShotSystem(data) },
  { id: 'clip-tiny', create: (data) => createTinyClipSystem(data) },
  { id: 'random', create: () => createRandomSystem() },
];

export function selectTasks(ids?: readonly string[]): EvalTask[] {
  if (!ids || ids.length === 0) return ALL_TASKS;
  const unknown = ids.filter((id) => !ALL_TASKS.some((t) => t.id === id));
  if (unknown.length) throw new Error(`unknown task(s) ${unknown.join(', ')}; tasks: ${ALL_TASKS.map((t) => t.id).join(', ')}`);
  return ALL_TASKS.filter((t) => ids.includes(t.id));
}

export function selectSystems(ids?: readonly string[]): SystemFactory[] {
  if (!ids || ids.length === 0) return SYSTEMS;
  const unknown = ids.filter((id) => !SYSTEMS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown system(s) ${unknown.join(', ')}; systems: ${SYSTEMS.map((s) => s.id).join(', ')}`);
  return SYSTEMS.filter((s) => ids.includes(s.id));
}
