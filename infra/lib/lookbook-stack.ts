/**
 * The Lookbook stack: composes one construct per domain. Everything that varies by route, table or bucket
 * is generated from the shared definitions (functions/routes.ts, layers/core/src/{tables,buckets}.ts),
 * the same ones the local cloud serves.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as routeTable from '../../functions/routes.ts';
import type { BucketNotificationDef, FunctionDef, RouteDef } from '../../functions/routes.ts';
import type { StageConfig } from './config.ts';
import { Api } from './constructs/api.ts';
import { Auth } from './constructs/auth.ts';
import { Functions } from './constructs/functions.ts';
import { Llm, LLM_VARIANT } from './constructs/llm.ts';
import { Observability } from './constructs/observability.ts';
import { Pipeline } from './constructs/pipeline.ts';
import { Storage } from './constructs/storage.ts';
import { createWebAcl, Web } from './constructs/web.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RouteTable {
  functions: Record<string, FunctionDef>;
  routes: readonly RouteDef[];
  bucketNotifications: readonly BucketNotificationDef[];
}

export interface LookbookStackProps extends StackProps {
  config: StageConfig;
  /** Defaults to functions/routes.ts; tests pass their own to exercise entries the table lacks yet. */
  routeTable?: RouteTable;
  repoRoot?: string;
  /** Built web app; defaults to web/dist. */
  webDistDir?: string;
  /** CLOUDFRONT web ACL from the us-east-1 edge stack; required when this stack is not in us-east-1. */
  webAclArn?: string;
  minify?: boolean;
}

export class LookbookStack extends Stack {
  public readonly storage: Storage;
  public readonly auth: Auth;
  public readonly llm: Llm;
  public readonly functions: Functions;
  public readonly api: Api;
  public readonly pipeline: Pipeline;
  public readonly web: Web;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: LookbookStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    const table = props.routeTable ?? (routeTable as unknown as RouteTable);
    const repoRoot = props.repoRoot ?? REPO_ROOT;
    const retention = cfg.logRetentionDays as RetentionDays;

    this.storage = new Storage(this, 'Storage', { webOrigin: cfg.webOrigin, searchUploadExpiryDays: cfg.searchUploadExpiryDays, retainData: cfg.retainData });
    this.auth = new Auth(this, 'Auth', { webOrigin: cfg.webOrigin, retainData: cfg.retainData });
    this.llm = new Llm(this, 'Llm', { artifactsBucket: this.storage.buckets.artifacts, defaults: cfg.llm });
    this.functions = new Functions(this, 'Functions', {
      repoRoot,
      defs: table.functions,
      stage: cfg.stage,
      tables: this.storage.tables,
      buckets: this.storage.buckets,
      llm: this.llm,
      webOrigin: cfg.webOrigin,
      logRetentionDays: retention,
      provisionedConcurrency: cfg.provisionedConcurrency,
      reservedConcurrency: cfg.reservedConcurrency,
      minify: props.minify,
    });
    const target = (fnId: string) => this.functions.target(fnId);
    this.api = new Api(this, 'Api', {
      routes: table.routes,
      target,
      userPool: this.auth.userPool,
      userPoolClient: this.auth.client,
      webOrigin: cfg.webOrigin,
      throttle: cfg.apiThrottle,
      logRetentionDays: retention,
    });
    this.pipeline = new Pipeline(this, 'Pipeline', { notifications: table.bucketNotifications, buckets: this.storage.buckets, target });

    let webAclArn = props.webAclArn;
    if (!webAclArn) {
      if (cfg.region !== 'us-east-1') throw new Error('a CLOUDFRONT web ACL must be created in us-east-1: pass webAclArn from the edge stack');
      webAclArn = createWebAcl(this, 'WebAcl', cfg.wafRateLimitPer5Min).attrArn;
    }
    this.web = new Web(this, 'Web', {
      distDir: props.webDistDir ?? path.join(repoRoot, 'web/dist'),
      httpApi: this.api.httpApi,
      logBucket: this.storage.logBucket,
      webAclArn,
      retainData: cfg.retainData,
    });
    // The site's own origin may PUT presigned uploads too (besides the configured web origin).
    this.storage.buckets.uploads.addCorsRule({
      allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
      allowedOrigins: [this.web.url],
      allowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
      exposedHeaders: ['ETag'],
      maxAge: 3000,
    });

    this.observability = new Observability(this, 'Observability', {
      httpApi: this.api.httpApi,
      functions: this.functions.all,
      pipeline: Object.values(this.pipeline.stages),
      extraAlarms: this.pipeline.alarms,
      llm: { endpointName: this.llm.endpointName, variantName: LLM_VARIANT },
      alarmEmail: cfg.alarmEmail,
    });

    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('ApiUrl', this.api.url, 'HTTP API URL (also served under the site URL at /v1/*)');
    out('SiteUrl', this.web.url, 'CloudFront URL of the web app');
    out('UserPoolId', this.auth.userPool.userPoolId, 'Cognito user pool id');
    out('UserPoolClientId', this.auth.client.userPoolClientId, 'Cognito app client id of the web app');
    out('LlmEndpointName', this.llm.endpointName, 'SageMaker endpoint serving the stylist LLM');
    out('AlarmTopicArn', this.observability.alarmTopic.topicArn, 'SNS topic the alarms notify');
    out('DashboardName', this.observability.dashboard.dashboardName, 'CloudWatch dashboard');
    for (const [bid, bucket] of Object.entries(this.storage.buckets)) out(`Bucket${pascalId(bid)}`, bucket.bucketName, `S3 bucket ${bid} (env BUCKET_${bid.toUpperCase()})`);
    out('BucketSite', this.web.siteBucket.bucketName, 'S3 bucket of the built web app');
    for (const [tid, t] of Object.entries(this.storage.tables)) out(`Table${pascalId(tid)}`, t.tableName, `DynamoDB table ${tid} (env TABLE_${tid.toUpperCase()})`);
  }
}

function pascalId(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
