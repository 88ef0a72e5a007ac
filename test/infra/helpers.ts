/**
 * Builds the app the way infra/bin/app.ts does (buildApp: config from context, justifications, cdk-nag
 * plugin), into a temporary cloud assembly. Synthesis bundles every function with esbuild, so each test file
 * builds once in beforeAll.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type BuildOptions, type BuiltApp } from '../../infra/lib/lookbook-app.ts';

export interface Synthesized extends BuiltApp {
  template: Template;
  outdir: string;
  cleanup(): void;
}

export function synthLookbook(context: Record<string, unknown> = {}, options: BuildOptions = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lookbook-cdk-'));
  // No web/dist in the test: the placeholder path (a fresh clone) is what CI sees too.
  const emptyWeb = mkdtempSync(path.join(tmpdir(), 'lookbook-web-'));
  const app = new App({ outdir, context: { stage: 'dev', ...context } });
  const built = buildApp(app, { minify: false, webDistDir: emptyWeb, ...options });
  const template = Template.fromStack(built.stack);
  return {
    ...built,
    template,
    outdir,
    cleanup() {
      rmSync(outdir, { recursive: true, force: true });
      rmSync(emptyWeb, { recursive: true, force: true });
    },
  };
}

/** Logical ids of resources of a type whose properties satisfy a predicate. */
export function resourcesOf(template: Template, type: string): Array<[string, { Properties: Record<string, any>; [k: string]: any }]> {
  return Object.entries(template.findResources(type)) as any;
}

/** The statements of every IAM policy (inline and managed) in a template. */
export function allStatements(template: Template): Array<{ policy: string; statement: Record<string, any> }> {
  const out: Array<{ policy: string; statement: Record<string, any> }> = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, r] of resourcesOf(template, type)) {
      for (const s of r.Properties.PolicyDocument.Statement) out.push({ policy: id, statement: s });
    }
  }
  for (const [id, r] of resourcesOf(template, 'AWS::IAM::Role')) {
    for (const p of r.Properties.Policies ?? []) for (const s of p.PolicyDocument.Statement) out.push({ policy: `${id}/${p.PolicyName}`, statement: s });
  }
  return out;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
