/**
 * Console output for `npm start`: one line per step with its duration, a progress bar for long steps on a
 * terminal (plain periodic lines otherwise, e.g. in CI logs), and child processes that Ctrl-C can stop.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import cliProgress from 'cli-progress';

const tty = Boolean(process.stdout.isTTY);
const color = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = color(1);
export const dim = color(2);
export const green = color(32);
export const yellow = color(33);
export const red = color(31);
export const cyan = color(36);

/** Thrown by a step that could not run but should not stop the start (e.g. an optional input is absent). */
export class StepSkipped extends Error {}

export type StepResult = 'ok' | 'skipped' | 'warning';

/**
 * Runs one step. `required` failures stop the start; other failures print a warning and carry on.
 * The function may return a short note shown after the step name.
 */
export async function step(title: string, fn: () => Promise<string | void>, opts: { required?: boolean } = {}): Promise<StepResult> {
  const started = Date.now();
  console.log(`${cyan('▶')} ${title}…`);
  const took = () => dim(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  try {
    const note = await fn();
    console.log(`${green('✔')} ${title}${note ? `: ${note}` : ''} ${took()}`);
    return 'ok';
  } catch (err) {
    if (err instanceof StepSkipped) {
      console.log(`${yellow('–')} ${title}: skipped, ${err.message} ${took()}`);
      return 'skipped';
    }
    if (opts.required) {
      console.log(`${red('✘')} ${title} failed ${took()}`);
      throw err;
    }
    console.log(`${yellow('!')} ${title} failed, carrying on: ${(err as Error).message} ${took()}`);
    return 'warning';
  }
}

export interface Progress {
  update(value: number, total?: number, detail?: string): void;
  stop(): void;
}

/** A progress bar on a terminal; a line every few seconds otherwise. */
export function progress(label: string, total: number): Progress {
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { format: `  ${label} [{bar}] {percentage}% {value}/{total} {detail}`, hideCursor: true, clearOnComplete: true, barsize: 30 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      update: (value, newTotal, detail = '') => {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(Math.min(value, newTotal ?? total), { detail });
      },
      stop: () => bar.stop(),
    };
  }
  let last = Date.now();
  return {
    update: (value, newTotal, detail = '') => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      console.log(`  ${label}: ${value}/${newTotal ?? total} ${detail}`);
    },
    stop: () => undefined,
  };
}

const children = new Set<ChildProcess>();

/** Runs a command with inherited output; it is killed if `npm start` is stopped meanwhile. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    children.add(child);
    child.on('error', (err) => {
      children.delete(child);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${signal ?? `code ${code}`}`));
    });
  });
}

export function killChildren(): void {
  for (const child of children) child.kill('SIGTERM');
}
