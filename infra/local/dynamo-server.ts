/**
 * The local DynamoDB: dynalite in-process on 127.0.0.1 (LevelDB under `directory` when given, memory otherwise).
 * createTableMs 0 so tables are ACTIVE as soon as CreateTable returns, as the stack's deploy guarantees.
 */
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface LocalDynamo {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startLocalDynamo(opts: { directory?: string; port?: number; host?: string } = {}): Promise<LocalDynamo> {
  if (opts.directory) await fs.mkdir(opts.directory, { recursive: true });
  const server = dynalite({ path: opts.directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      // dynalite's close() also closes LevelDB, after the HTTP server drains; drop idle SDK keep-alive sockets.
      const closing = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closing;
    },
  };
}
