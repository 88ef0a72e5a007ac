/**
 * Builds the app: the stage config from context, an edge stack in us-east-1 for the CloudFront WAF when
 * the main stack lives elsewhere, the main stack, and cdk-nag's AwsSolutions checks over everything.
 * Stacks get a region (never an account), so synth needs no credentials and does no lookups.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { applyJustifications } from './nag.ts';
import { loadConfig, type StageConfig } from './config.ts';
import { createWebAcl } from './constructs/web.ts';
import { LookbookStack, type LookbookStackProps } from './lookbook-stack.ts';

export interface BuiltApp {
  app: App;
  config: StageConfig;
  stack: LookbookStack;
  edge?: Stack;
}

export type BuildOptions = Omit<LookbookStackProps, 'config' | 'env' | 'webAclArn'>;

export function buildApp(app: App, options: BuildOptions = {}): BuiltApp {
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const name = `Lookbook-${config.stage}`;
  let edge: Stack | undefined;
  let webAclArn: string | undefined;
  if (config.region !== 'us-east-1') {
    edge = new Stack(app, `${name}-edge`, { env: { region: 'us-east-1' }, description: 'Lookbook CloudFront web ACL (must live in us-east-1)' });
    webAclArn = createWebAcl(edge, 'WebAcl', config.wafRateLimitPer5Min).attrArn;
  }
  const stack = new LookbookStack(app, name, {
    ...options,
    config,
    env: { region: config.region },
    crossRegionReferences: edge !== undefined,
    webAclArn,
    description: `Lookbook ${config.stage}: multimodal fashion search and stylist`,
    tags: { project: 'lookbook', stage: config.stage },
  });
  applyJustifications(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, config, stack, edge };
}
