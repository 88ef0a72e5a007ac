/** Stage configuration: zod-parsed context with stage defaults, `-c key=value` strings coerced, clear errors. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/lib/config.ts';

const ctx = (values: Record<string, unknown>) => (key: string) => values[key];

describe('loadConfig', () => {
  it('gives dev defaults: us-east-1, ml.g5.xlarge, no provisioned search, data not retained', () => {
    const c = loadConfig(ctx({}));
    expect(c).toMatchObject({ stage: 'dev', region: 'us-east-1', retainData: false, provisionedConcurrency: { search: 0 } });
    expect(c.llm.instanceType).toBe('ml.g5.xlarge');
  });

  it('gives prod its own defaults and coerces command-line strings', () => {
    const c = loadConfig(ctx({ stage: 'prod', searchProvisionedConcurrency: '5', retainData: 'false', llmMaxInstances: '3', reservedConcurrency: '{"vision":9}' }));
    expect(c.stage).toBe('prod');
    expect(c.provisionedConcurrency.search).toBe(5);
    expect(c.retainData).toBe(false);
    expect(c.llm.maxInstances).toBe(3);
    expect(c.reservedConcurrency).toMatchObject({ vision: 9, indexer: 1 });
  });

  it('rejects bad values with the key named', () => {
    expect(() => loadConfig(ctx({ stage: 'qa' }))).toThrow(/stage must be one of dev, prod/);
    expect(() => loadConfig(ctx({ llmInstanceType: 'g5.xlarge' }))).toThrow(/llm\.instanceType/);
    expect(() => loadConfig(ctx({ webOrigin: 'not a url' }))).toThrow(/webOrigin/);
    expect(() => loadConfig(ctx({ region: 'mars' }))).toThrow(/region/);
    expect(() => loadConfig(ctx({ llmMinInstances: '3', llmMaxInstances: '2' }))).toThrow(/llmMaxInstances/);
    expect(() => loadConfig(ctx({ logRetentionDays: '5' }))).toThrow(/logRetentionDays/);
  });
});
