/** Starts a local HTTP server on host:port (port 0 = ephemeral) and gives back its url and an idempotent stop. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function listenLocal(server: Server, opts: { port?: number; host?: string } = {}): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Drop idle keep-alive sockets (SDK clients, browsers) so close() does not wait for them to time out.
      const closing = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closing;
    },
  };
}
