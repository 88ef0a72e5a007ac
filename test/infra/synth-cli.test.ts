/**
 * `npm run synth` exactly as CI runs it: the CDK CLI over cdk.json's app, offline, without AWS credentials.
 * Synthesis fails on any unacknowledged cdk-nag finding (the AwsSolutions pack is a validation plugin), so
 * exit code 0 is also the nag gate for the whole app.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const outdir = mkdtempSync(path.join(tmpdir(), 'lookbook-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('npm run synth', () => {
  it('synthesizes the whole app offline with no credentials and no lookups', () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
    const run = spawnSync('npm', ['run', '--silent', 'synth', '--', '--output', outdir], { cwd: repoRoot, env, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`.slice(-4000)).toBe(0);
    expect(existsSync(path.join(outdir, 'Lookbook-dev.template.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    // Context lookups (VPCs, AZs, hosted zones …) would show up as missing context: none may.
    expect(manifest.missing ?? []).toEqual([]);
    const report = existsSync(path.join(outdir, 'validation-report.json'))
      ? JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'))
      : { pluginReports: [] };
    const unacknowledged = report.pluginReports.flatMap((p: any) => p.violations.filter((v: any) => v.severity === 'error' || String(v.ruleName).startsWith('AwsSolutions')));
    expect(unacknowledged).toEqual([]);
  }, 240_000);
});
