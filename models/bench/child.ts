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

/** Starts `node …args` as a server that prints one JSON line when ready; resolves with it and a stop function. */
export function childServer<T>(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ready: T; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, opts);
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      child.stdout.removeAllListeners('data');
      resolve({ ready: JSON.parse(out.split('\n')[0]) as T, stop: () => child.kill() });
    });
    child.on('close', (code) => reject(new Error(`server ${args.join(' ')} exited ${code}: ${err.slice(-500)}`)));
  });
}
