#!/usr/bin/env node
// `npm start` entry. Plain Node with no dependencies, so it runs on a fresh clone: install what is missing,
// then hand over to the TypeScript orchestrator (infra/local/start.ts) and pass Ctrl-C / SIGTERM on to it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Lookbook needs Node 20.19 or newer (this is ${process.versions.node}).`);
  process.exit(1);
}

const env = {
  // As the stack sets it for the functions that load the search index (glibc reads it at exec; README, "Cold load").
  ...JSON.parse(readFileSync(path.join(root, 'infra/process-env.json'), 'utf8')),
  ...process.env,
  // The onnxruntime-node postinstall downloads GPU binaries; the CPU build is in the package already.
  ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
};

if (!existsSync(path.join(root, 'node_modules'))) {
  console.log('▶ installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error('npm ci failed; fix the error above and run npm start again.');
    process.exit(r.status ?? 1);
  }
} else if (!existsSync(path.join(root, 'node_modules/tsx'))) {
  console.error('node_modules exists but tsx is missing: run `npm ci` (with ONNXRUNTIME_NODE_INSTALL=skip) and try again.');
  process.exit(1);
}

// One process for the orchestrator and the servers: tsx as a loader, not a wrapper around another node.
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'infra/local/start.ts')], { cwd: root, stdio: 'inherit', env });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // A terminal's Ctrl-C reaches both processes; forwarding is for signals sent to this one only (the
  // orchestrator ignores repeats while it shuts down).
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
