/**
 * Which native (compiled) packages a handler pulls in. esbuild cannot bundle `.node` binaries, and the
 * linux builds of onnxruntime-node, sharp and hnswlib-node only exist inside the ML runtime image, so a
 * `packaging: 'node'` function that imports one of them cannot be an ARM64 zip bundle.
 * A metafile-only esbuild pass (no output written) answers the question from the real import graph.
 */
import { buildSync } from 'esbuild';
import path from 'node:path';

export const NATIVE_PACKAGES = ['onnxruntime-node', 'sharp', 'hnswlib-node', 'usearch', '@lancedb/lancedb', 'classic-level'] as const;

const cache = new Map<string, string[]>();

export function nativeModulesOf(entry: string, repoRoot: string): string[] {
  const abs = path.resolve(repoRoot, entry);
  const hit = cache.get(abs);
  if (hit) return hit;
  const result = buildSync({
    entryPoints: [abs],
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: [...NATIVE_PACKAGES, ...NATIVE_PACKAGES.map((p) => `${p}/*`), '@aws-sdk/*'],
  });
  const found = new Set<string>();
  for (const input of Object.values(result.metafile!.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external) continue;
      const pkg = NATIVE_PACKAGES.find((p) => imp.path === p || imp.path.startsWith(`${p}/`));
      if (pkg) found.add(pkg);
    }
  }
  const list = [...found].sort();
  cache.set(abs, list);
  return list;
}
