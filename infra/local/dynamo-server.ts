/**
 * The local DynamoDB: dynalite in-process on 127.0.0.1 (LevelDB under `directory` when given, memory otherwise).
 * createTableMs 0 so tables are ACTIVE as soon as CreateTable returns, as the stack's deploy guarantees.
 */
import fs from 'node:fs/promises';
import dynalite from 'dynalite';
import { listenLocal, type Listening } from './listen.ts';

export type LocalDynamo = Listening;

export async function startLocalDynamo(opts: { directory?: string; port?: number; host?: string } = {}): Promise<LocalDynamo> {
  if (opts.directory) await fs.mkdir(opts.directory, { recursive: true });
  const server = dynalite({ path: opts.directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite's close() also closes LevelDB, after the HTTP server drains.
  return listenLocal(server, opts);
}
