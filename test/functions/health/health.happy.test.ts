import { describe, expect, it } from 'vitest';
import { useLocalCloud } from '../../support/local-cloud.ts';

const local = useLocalCloud();

describe('GET /health and /ready', () => {
  it('/health answers without touching dependencies', async () => {
    const res = await local.api('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/ready reports DynamoDB and S3 as ok with latencies', async () => {
    const res = await local.api('/ready');
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string; latencyMs: number }> };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['dynamodb', 's3', 'models', 'searchIndex']));
    for (const check of Object.values(body.checks)) {
      expect(check.status).toBe('ok');
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });
});
