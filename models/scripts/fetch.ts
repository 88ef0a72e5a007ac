/**
 * npm run models:fetch [-- --with-small-images] [--only name,name] [--mirror DIR] [--no-download]
 *
 * Installs the artifacts of models/manifest.json into models/.cache (see models/artifacts.ts). Exit code 1 when
 * any artifact could not be installed or failed verification.
 */
import { parseArgs } from 'node:util';
import { ArtifactFetchError, cacheDir, defaultMirror, fetchArtifacts } from '../artifacts.ts';

const USAGE = `Usage: npm run models:fetch -- [--with-small-images] [--only a,b] [--mirror DIR] [--no-download]
  --with-small-images  also install the 44,072 60x80 images (63 MB, needed by training/eval)
  --only a,b           just these artifacts (names from models/manifest.json)
  --mirror DIR         mirror folder (default env LOOKBOOK_MIRROR or ../shared)
  --no-download        never fall back to upstream URLs`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'with-small-images': { type: 'boolean', default: false },
        only: { type: 'string' },
        mirror: { type: 'string' },
        'no-download': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const mirror = values.mirror ?? defaultMirror();
  console.error(`[models] mirror ${mirror} → ${cacheDir()}`);
  const t0 = Date.now();
  try {
    const results = await fetchArtifacts({
      mirror,
      only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
      includeOptional: values['with-small-images'],
      download: !values['no-download'],
      onProgress: (p) => {
        if (p.phase === 'copying' && p.done) console.error(`[models] ${p.name}: ${p.done}/${p.total} files`);
        else if (p.phase === 'downloading') console.error(`[models] ${p.name}: downloading`);
        else if (p.phase === 'done') console.error(`[models] ${p.name}: ${p.status}`);
      },
    });
    const fresh = results.filter((r) => r.status !== 'present').length;
    console.error(`[models] ${results.length} artifacts verified (${fresh} installed, ${results.length - fresh} already present) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    console.error(`[models] ${err instanceof ArtifactFetchError ? err.message : (err as Error).stack}`);
    return 1;
  }
}

main().then((code) => process.exit(code));
