/**
 * Pipeline throughput on this machine: the whole vision pipeline (check → YOLOX → crop → features → tags →
 * colours → embedding) over hi-res catalog photos, one image at a time in one process (as one Lambda instance
 * works), and the mean time of each stage; the opt-in face stage is timed on a few of them.
 */
import { analyseImage, type VisionDeps } from '../../../layers/core/src/vision/pipeline.ts';
import { createHaarFaceAnalyser, type FaceAnalyser } from '../../../layers/core/src/vision/face.ts';
import { sample } from '../data.ts';
import type { EvalTask, MetricValue } from '../types.ts';
import { garmentModel, notApplicable, round, yolox } from './vision-common.ts';

const DEFAULT_IMAGES = 40;
const FACE_IMAGES = 10;
const STAGES = ['check', 'detect', 'crop', 'features', 'tag', 'colours', 'embed'] as const;

export const visionThroughput: EvalTask = {
  id: 'vision-throughput',
  title: 'vision pipeline throughput (hi-res photos, 1 process)',
  kind: 'once',
  metrics: [{ name: 'images/s' }, { name: 'ms total (mean)' }, ...STAGES.map((s) => ({ name: `ms ${s}` })), { name: 'ms face (opt-in)' }],
  describe: `vision-throughput: ${DEFAULT_IMAGES} sampled hi-res photos (900×1200 JPEG mostly) through analyseImage sequentially after one warm-up; wall-clock images/s and mean per-stage ms; face timed on ${FACE_IMAGES}.`,
  async run(ctx) {
    const na = notApplicable(ctx);
    if (na) return na;
    const deps: VisionDeps = { detector: await yolox(), model: await garmentModel() };
    const n = Math.min(ctx.limit ?? DEFAULT_IMAGES, DEFAULT_IMAGES, ctx.data.imageIds.hires.length);
    const ids = sample(ctx.data.imageIds.hires, n, ctx.seed + 1);
    const images = await Promise.all(ids.map((id) => ctx.data.readImage('hires', id)));
    await analyseImage(images[0], deps, { purpose: 'search' }); // warm-up: first-run allocations, lazy sessions
    const sums: Record<string, number> = {};
    let ok = 0;
    const started = performance.now();
    for (const bytes of images) {
      try {
        const out = await analyseImage(bytes, deps, { purpose: 'search' });
        for (const [k, v] of Object.entries(out.result.timings)) sums[k] = (sums[k] ?? 0) + v;
        ok++;
      } catch (err) {
        ctx.log(`  vision-throughput: skipped an image (${(err as Error).message})`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    let face: MetricValue = null;
    const notes: string[] = [];
    try {
      const analyser: FaceAnalyser = await createHaarFaceAnalyser();
      const withFace: VisionDeps = { ...deps, face: async () => analyser };
      let faceMs = 0;
      let found = 0;
      const subset = images.slice(0, FACE_IMAGES);
      for (const bytes of subset) {
        const out = await analyseImage(bytes, withFace, { purpose: 'search', faceOptIn: true });
        faceMs += out.result.timings.face ?? 0;
        if (out.result.face?.detected) found++;
      }
      face = faceMs / subset.length;
      notes.push(`face found on ${found}/${subset.length} photos`);
    } catch (err) {
      notes.push(`face stage not timed: ${(err as Error).message}`);
    }
    const metrics: Record<string, MetricValue> = { 'images/s': ok / seconds, 'ms total (mean)': ok ? round((sums.total ?? 0) / ok, 1) : null };
    for (const s of STAGES) metrics[`ms ${s}`] = ok ? round((sums[s] ?? 0) / ok, 1) : null;
    metrics['ms face (opt-in)'] = face === null ? null : round(face, 1);
    return { metrics, count: ok, notes };
  },
};
