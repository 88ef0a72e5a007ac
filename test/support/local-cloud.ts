/**
 * One line for an integration test: `const local = useLocalCloud();` starts an in-memory local cloud (dynalite,
 * s3rver, and the API adapter on an ephemeral port) before the file's tests and stops it after them.
 *
 *   const local = useLocalCloud();
 *   it('serves health', async () => expect((await local.api('/health')).status).toBe(200));
 *
 * The AWS SDK clients from #core/adapters/aws/clients point at it (process.env is set while it runs).
 */
import { afterAll, beforeAll } from 'vitest';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../infra/local/cloud.ts';
import { issueLocalToken, type LocalTokenInput } from '../../infra/local/auth.ts';

export interface LocalCloudFixture {
  /** The running cloud (env, urls, drainEvents, deadLetters, stopService…); available inside tests. */
  readonly cloud: LocalCloud;
  /** fetch() against the local API: `api('/v1/products?gender=Men')`. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** A bearer token the local JWT authorizer accepts, e.g. `token({ sub: 'u1', groups: ['admin'] })`. */
  token(input?: Partial<LocalTokenInput>): string;
}

export function useLocalCloud(opts: LocalCloudOptions = {}): LocalCloudFixture {
  let cloud: LocalCloud | undefined;
  beforeAll(async () => {
    cloud = await startLocalCloud({ api: true, port: 0, quiet: true, eventRetryDelaysMs: [20, 40], ...opts });
  });
  afterAll(async () => {
    await cloud?.stop();
    cloud = undefined;
  });
  const running = () => {
    if (!cloud) throw new Error('useLocalCloud(): the cloud is only available inside tests and hooks after beforeAll');
    return cloud;
  };
  return {
    get cloud() {
      return running();
    },
    api(path, init) {
      const base = running().urls.api;
      if (!base) throw new Error('useLocalCloud(): started with api: false');
      return fetch(`${base}${path}`, init);
    },
    token: (input = {}) => issueLocalToken({ sub: 'test-user', ...input }),
  };
}
