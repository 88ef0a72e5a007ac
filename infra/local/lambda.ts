/**
 * What the Lambda runtime does for a handler, done in-process: load the module named by a FunctionDef entry once
 * (a warm container), build a Context, and enforce the function's timeout.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  /** Module path from the repo root (or absolute); it exports `handler`. */
  entry: string;
  timeoutSec: number;
  memoryMb: number;
}

const modules = new Map<string, Promise<LambdaHandler>>();

/** Imports `entry` once and returns its `handler` export (like a warm Lambda container). */
export function loadHandler(entry: string): Promise<LambdaHandler> {
  const file = path.isAbsolute(entry) ? entry : path.join(repoRoot, entry);
  let loaded = modules.get(file);
  if (!loaded) {
    loaded = import(pathToFileURL(file).href).then((mod: { handler?: unknown }) => {
      if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
      return mod.handler as LambdaHandler;
    });
    // A failed import (missing file, syntax error) is retried on the next call instead of being cached.
    loaded.catch(() => modules.delete(file));
    modules.set(file, loaded);
  }
  return loaded;
}

export function lambdaContext(functionName: string, fn: Pick<LocalFunction, 'timeoutSec' | 'memoryMb'>, region = 'us-east-1'): Context {
  const deadline = Date.now() + fn.timeoutSec * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class LambdaTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'LambdaTimeoutError';
  }
}

/** Runs the handler with the function's timeout (scaled by LOOKBOOK_TIMEOUT_SCALE on slow machines). */
export async function invoke(functionName: string, fn: LocalFunction, event: unknown, context = lambdaContext(functionName, fn)): Promise<unknown> {
  const handler = await loadHandler(fn.entry);
  const scale = Number(process.env.LOOKBOOK_TIMEOUT_SCALE ?? 1) || 1;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.timeoutSec * scale)), fn.timeoutSec * scale * 1000);
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
