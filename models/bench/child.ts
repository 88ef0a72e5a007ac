/** The bench's child processes (cold loads, 1M shards, the fresh-memory probe): a fresh Node process, its stdout. */
import { spawn } from 'node:child_process';

/** Runs `node …args` and resolves with its stdout; rejects with `failure` and the end of its stderr if it exits non-zero. */
export function childStdout(args: readonly string[], failure: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, opts);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${failure}: ${err.slice(-500) || `exit ${code}`}`))));
  });
}

/** The last line a child printed (its JSON result after any logging). */
export const lastLine = (stdout: string) => stdout.trim().split('\n').pop()!;
