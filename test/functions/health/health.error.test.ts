import { describe, expect, it } from 'vitest';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { readinessChecks, runChecks } from '../../../functions/health/checks.ts';
import { dynamoDocClient } from '../../../layers/core/src/adapters/aws/clients.ts';
import { tableName } from '../../../layers/core/src/tables.ts';

const local = useLocalCloud();

type Ready = { status: string; checks: Record<string, { status: string; latencyMs: number; error?: string }> };

describe('readiness when dependencies fail', () => {
  it('bounds a hanging check by its timeout and reports it down', async () => {
    const results = await runChecks([{ name: 'slow', probe: () => new Promise(() => undefined) }, { name: 'fine', probe: async () => undefined }], 50);
    expect(results.slow).toMatchObject({ status: 'down', error: expect.stringContaining('50 ms') });
    expect(results.fine!.status).toBe('ok');
  });

  it('503 with the DynamoDB check down when the catalog table is missing', async () => {
    await dynamoDocClient().send(new DeleteTableCommand({ TableName: tableName('catalog') }));
    const res = await local.api('/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as Ready;
    expect(body.status).toBe('down');
    expect(body.checks.dynamodb).toMatchObject({ status: 'down', error: expect.stringContaining('ResourceNotFound') });
    expect(body.checks.s3!.status).toBe('ok');
  });

  it('503 with the S3 check down when S3 is stopped, while /health stays 200', async () => {
    await local.cloud.stopService('s3');
    const res = await local.api('/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as Ready;
    expect(body.checks.s3).toMatchObject({ status: 'down', error: expect.any(String) });
    expect((await local.api('/health')).status).toBe(200);
  });
  it('503 with the models check down when the model directory has no models', async () => {
    const saved = process.env.LOOKBOOK_MODEL_DIR;
    process.env.LOOKBOOK_MODEL_DIR = '/nonexistent-lookbook-models';
    try {
      const results = await runChecks(readinessChecks.filter((c) => c.name === 'models'), 2000);
      expect(results.models).toMatchObject({ status: 'down', error: expect.stringContaining('mobilenetv2-12-int8.onnx') });
    } finally {
      if (saved === undefined) delete process.env.LOOKBOOK_MODEL_DIR;
      else process.env.LOOKBOOK_MODEL_DIR = saved;
    }
  });
});
