/** The nag gate itself: an unjustified finding fails synth; a justification covers only what it names. */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyJustifications, justify, nagViolations } from '../../infra/lib/nag.ts';

// Only the cdk-nag plugin is under test here; CDK's built-in CloudFormation schema validation (seconds to
// load) runs in the stack and synth tests.
process.env.CDK_VALIDATION = 'false';

function appWithQueue() {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lookbook-nag-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'S', { env: { region: 'us-east-1' } });
  const queue = new sqs.Queue(stack, 'Plain');
  return { app, stack, queue, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

describe('cdk-nag gate', () => {
  it('fails synthesis on an unjustified AwsSolutions finding', () => {
    const { app, cleanup } = appWithQueue();
    applyJustifications(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(nagViolations(app).map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
    cleanup();
  });

  it('acknowledges only the rules a justification names, with its reason', () => {
    const { app, queue, cleanup } = appWithQueue();
    justify(queue, [{ id: 'AwsSolutions-SQS3', reason: 'Probe: this queue is a dead-letter destination.' }]);
    const acks = applyJustifications(app);
    expect(acks.map((a) => a.rule)).toEqual(['AwsSolutions-SQS3']);
    expect(acks[0]!.reason).toMatch(/dead-letter/);
    expect(nagViolations(app).map((v) => v.ruleName)).toEqual(['AwsSolutions-SQS4']);
    cleanup();
  });

  it('refuses a justification without a reason', () => {
    const { queue, cleanup } = appWithQueue();
    expect(() => justify(queue, [{ id: 'AwsSolutions-SQS3', reason: '  ' }])).toThrow(/no reason/);
    cleanup();
  });
});
