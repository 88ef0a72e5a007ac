/**
 * The real stack, synthesized once from the real route table and shared definitions, asserted resource by
 * resource. Everything is generic over functions/routes.ts and tables.ts, so new entries are checked too.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNotifications, functions, routeKey, routes, type FunctionDef } from '../../functions/routes.ts';
import { compileRoutes, matchRoute } from '../../infra/local/api-event.ts';
import { createTableInput } from '../../infra/local/provision.ts';
import { nagViolations } from '../../infra/lib/nag.ts';
import { tables, type TableDef } from '../../layers/core/src/tables.ts';
import { buckets } from '../../layers/core/src/buckets.ts';
import { allStatements, asArray, resourcesOf, synthLookbook, type Synthesized } from './helpers.ts';
import indexProcessEnv from '../../infra/process-env.json' with { type: 'json' };

let s: Synthesized;
beforeAll(() => {
  s = synthLookbook();
});
afterAll(() => s?.cleanup());

const fnDefs = functions as Record<string, FunctionDef>;
const logicalId = (c: { node: { defaultChild?: unknown } } | unknown) => s.stack.getLogicalId(((c as any).node?.defaultChild ?? c) as any);
const fnLogicalId = (fnId: string) => logicalId(s.stack.functions.byId[fnId]!.fn.node.defaultChild as CfnFunction);
/** Logical id a function's invoke target resolves to (function, or its alias). */
const refersTo = (v: unknown, id: string) => JSON.stringify(v).includes(`"${id}"`);

describe('API routes from functions/routes.ts', () => {
  it('exposes exactly the route table, each with the authorizer its auth level needs', () => {
    const deployed = resourcesOf(s.template, 'AWS::ApiGatewayV2::Route');
    expect(deployed.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(routes.map(routeKey).sort());
    const [authorizerId] = Object.keys(s.template.findResources('AWS::ApiGatewayV2::Authorizer'));
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    for (const r of routes) {
      const [, res] = deployed.find(([, d]) => d.Properties.RouteKey === routeKey(r))!;
      if (r.auth === 'public') {
        expect(res.Properties.AuthorizationType, routeKey(r)).toBe('NONE');
        expect(res.Properties.AuthorizerId).toBeUndefined();
      } else {
        expect(res.Properties.AuthorizationType, routeKey(r)).toBe('JWT');
        expect(res.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('sends each route to the function the table names', () => {
    const integrations = s.template.findResources('AWS::ApiGatewayV2::Integration');
    for (const [, route] of resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')) {
      const r = routes.find((x) => routeKey(x) === route.Properties.RouteKey)!;
      const integrationId = JSON.stringify(route.Properties.Target).match(/"Ref":"([^"]+)"/)![1]!;
      const uri = integrations[integrationId]!.Properties.IntegrationUri;
      const target = s.stack.functions.byId[r.fn]!.target;
      expect(refersTo(uri, logicalId(target.node.defaultChild ?? target)), routeKey(r)).toBe(true);
    }
  });

  it('has stage throttling, access logs and CORS for the web origin', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: { AllowOrigins: [s.config.webOrigin], AllowHeaders: Match.arrayWith(['authorization']) },
    });
  });

  it('one source, two hosts: the local API server routes exactly what the stack exposes', () => {
    const compiled = compileRoutes(routes);
    const stackKeys = resourcesOf(s.template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    for (const key of stackKeys) {
      const [method, p] = key.split(' ') as [string, string];
      const concrete = p.replace(/\{[^}]+\}/g, 'x1');
      const { match } = matchRoute(compiled, method, concrete);
      expect(match && routeKey(match.route as (typeof routes)[number]), key).toBe(key);
    }
    expect(compiled.map((c) => routeKey(c.route)).sort()).toEqual(stackKeys.sort());
  });
});

describe('functions', () => {
  it('builds one Lambda per route-table function with its size, tracing and Powertools env', () => {
    for (const [fnId, def] of Object.entries(fnDefs)) {
      const res = s.template.toJSON().Resources[fnLogicalId(fnId)];
      const p = res.Properties;
      expect(p.MemorySize, fnId).toBe(def.memoryMb);
      expect(p.Timeout, fnId).toBe(def.timeoutSec);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: `lookbook-${fnId}`, LOG_LEVEL: expect.any(String) });
      for (const t of Object.keys(tables)) expect(p.Environment.Variables[`TABLE_${t.toUpperCase()}`], `${fnId} TABLE_${t}`).toBeDefined();
      for (const b of Object.keys(buckets)) expect(p.Environment.Variables[`BUCKET_${b.toUpperCase()}`], `${fnId} BUCKET_${b}`).toBeDefined();
      // Functions that load the search index get the process environment npm start gives the local cloud.
      expect(p.Environment.Variables.GLIBC_TUNABLES, fnId).toBe(def.uses.includes('artifactsBucket') ? indexProcessEnv.GLIBC_TUNABLES : undefined);
    }
  });

  it('packages node functions as ARM64 nodejs22.x bundles and container/native ones as x86_64 images', () => {
    for (const [fnId, def] of Object.entries(fnDefs)) {
      const built = s.stack.functions.byId[fnId]!;
      const p = s.template.toJSON().Resources[fnLogicalId(fnId)].Properties;
      if (def.packaging === 'container') expect(built.packaging, fnId).toBe('image-x86_64');
      if (built.packaging === 'zip-arm64') {
        expect(p.Runtime, fnId).toBe('nodejs22.x');
        expect(p.Architectures, fnId).toEqual(['arm64']);
        expect(built.nativeModules, fnId).toEqual([]);
      } else {
        expect(p.PackageType, fnId).toBe('Image');
        expect(p.Architectures, fnId).toEqual(['x86_64']);
      }
    }
  });

  it('stages one ML image from layers/ml-runtime/Dockerfile for all image functions (no docker at synth)', () => {
    const assets = JSON.parse(readFileSync(path.join(s.outdir, `${s.stack.stackName}.assets.json`), 'utf8'));
    const images = Object.values(assets.dockerImages ?? {}) as any[];
    const imageFns = s.stack.functions.all.filter((f) => f.packaging === 'image-x86_64');
    expect(images).toHaveLength(imageFns.length > 0 ? 1 : 0);
    if (imageFns.length === 0) return;
    const img = images[0];
    expect(img.source.dockerFile).toBe('layers/ml-runtime/Dockerfile');
    expect(img.source.platform).toBe('linux/amd64');
    const args = img.source.dockerBuildArgs;
    expect(args.HANDLERS.split(' ').sort()).toEqual(imageFns.map((f) => `${f.id}=${f.def.entry}`).sort());
    expect(args.NATIVE_MODULES.split(' ').sort()).toEqual([...new Set(imageFns.flatMap((f) => f.nativeModules))].sort());
    const staged = path.join(s.outdir, img.source.directory);
    const dockerfile = readFileSync(path.join(staged, img.source.dockerFile), 'utf8');
    // Every build arg the stack passes is declared by the Dockerfile.
    for (const arg of Object.keys(args)) expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}\\b`, 'm'));
    expect(existsSync(path.join(staged, 'package-lock.json'))).toBe(true);
    // Only the build's inputs are staged: no node_modules, tests, web app or model feature caches.
    expect(readdirSync(staged)).toEqual(expect.not.arrayContaining(['node_modules', 'test', 'web', 'cdk.out', '.local', 'infra']));
    expect(existsSync(path.join(staged, 'models/.cache/features'))).toBe(false);
    for (const f of imageFns) {
      expect(existsSync(path.join(staged, f.def.entry)), f.id).toBe(true);
      const p = s.template.toJSON().Resources[fnLogicalId(f.id)].Properties;
      expect(p.ImageConfig.Command, f.id).toEqual([`${f.id}.handler`]);
    }
  });

  it('grants each function exactly the tables and buckets in its uses list', () => {
    const statements = allStatements(s.template);
    const tableIds = Object.fromEntries(Object.entries(s.stack.storage.tables).map(([k, t]) => [k, logicalId(t)]));
    const bucketIds = Object.fromEntries(Object.entries(s.stack.storage.buckets).map(([k, b]) => [`${k}Bucket`, logicalId(b)]));
    for (const [fnId, def] of Object.entries(fnDefs)) {
      const roleId = logicalId(s.stack.functions.byId[fnId]!.fn.role!);
      const mine = statements.filter(({ policy }) => {
        const pol = s.template.toJSON().Resources[policy.split('/')[0]!];
        return pol && refersTo(pol.Properties.Roles ?? [], roleId);
      });
      const text = JSON.stringify(mine.map((m) => m.statement));
      for (const [use, id] of Object.entries({ ...tableIds, ...bucketIds })) {
        expect(text.includes(`"${id}"`), `${fnId} ${use}`).toBe((def.uses as readonly string[]).includes(use));
      }
      expect(text.includes('sagemaker:'), `${fnId} llm`).toBe(def.uses.includes('llm' as never));
    }
  });

  it('has no IAM statement allowing every action on every resource', () => {
    for (const { policy, statement } of allStatements(s.template)) {
      if (statement.Effect !== 'Allow') continue;
      const wildAction = asArray(statement.Action).some((a) => a === '*');
      const wildResource = asArray(statement.Resource).some((r) => r === '*');
      expect(wildAction && wildResource, `${policy}: ${JSON.stringify(statement)}`).toBe(false);
      expect(asArray(statement.Action).some((a) => typeof a === 'string' && /^[a-z0-9-]+:\*$/.test(a)), `${policy} service-wide action`).toBe(false);
    }
  });
});

describe('storage', () => {
  it('keeps every bucket private, encrypted and TLS-only', () => {
    const policies = resourcesOf(s.template, 'AWS::S3::BucketPolicy');
    const all = resourcesOf(s.template, 'AWS::S3::Bucket');
    expect(all.length).toBeGreaterThanOrEqual(Object.keys(buckets).length + 2); // + access logs + site
    for (const [id, b] of all) {
      expect(b.Properties.PublicAccessBlockConfiguration, id).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, id).toBeDefined();
      const policy = policies.find(([, p]) => refersTo(p.Properties.Bucket, id));
      expect(policy, `${id} has a bucket policy`).toBeDefined();
      const denyTls = policy![1].Properties.PolicyDocument.Statement.find((st: any) => st.Effect === 'Deny' && st.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(denyTls, `${id} denies plain HTTP`).toBeDefined();
    }
  });

  it('logs access of every product bucket to the log bucket', () => {
    const logId = logicalId(s.stack.storage.logBucket);
    for (const b of [...Object.values(s.stack.storage.buckets), s.stack.web.siteBucket]) {
      const p = s.template.toJSON().Resources[logicalId(b)].Properties;
      expect(p.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logId });
    }
  });

  it('expires search uploads, allows presigned PUT from the web origin, versions artifacts', () => {
    const uploads = s.template.toJSON().Resources[logicalId(s.stack.storage.buckets.uploads)].Properties;
    expect(uploads.LifecycleConfiguration.Rules).toEqual(expect.arrayContaining([
      expect.objectContaining({ Prefix: 'uploads/search/', ExpirationInDays: s.config.searchUploadExpiryDays, Status: 'Enabled' }),
    ]));
    const cors = uploads.CorsConfiguration.CorsRules;
    expect(cors.some((r: any) => r.AllowedMethods.includes('PUT') && r.AllowedOrigins.includes(s.config.webOrigin))).toBe(true);
    expect(JSON.stringify(cors)).toContain(logicalId(s.stack.web.distribution));
    const artifacts = s.template.toJSON().Resources[logicalId(s.stack.storage.buckets.artifacts)].Properties;
    expect(artifacts.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('creates the tables of tables.ts as the local cloud does: keys, GSIs, TTL, on demand, PITR', () => {
    const deployed = resourcesOf(s.template, 'AWS::DynamoDB::Table');
    expect(deployed).toHaveLength(Object.keys(tables).length);
    for (const def of Object.values(tables) as TableDef[]) {
      const local = createTableInput(def, 'x');
      const [, t] = deployed.find(([id]) => id === logicalId(s.stack.storage.tables[def.id as keyof typeof tables]))!;
      const p = t.Properties;
      expect(p.KeySchema, def.id).toEqual(local.KeySchema);
      expect([...p.AttributeDefinitions].sort(byName), def.id).toEqual([...local.AttributeDefinitions].sort(byName));
      const gsis = (p.GlobalSecondaryIndexes ?? []).map((g: any) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
      expect(gsis, def.id).toEqual(local.GlobalSecondaryIndexes ?? []);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.TimeToLiveSpecification, def.id).toEqual(def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined);
    }
  });
});

const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) => (a.AttributeName ?? '').localeCompare(b.AttributeName ?? '');

describe('pipeline', () => {
  it('wires every bucket notification of the table to its function, with retries and an encrypted DLQ', () => {
    const notifications = resourcesOf(s.template, 'Custom::S3BucketNotifications');
    for (const n of bucketNotifications) {
      const bucketId = logicalId(s.stack.storage.buckets[n.bucket]);
      const res = notifications.find(([, r]) => refersTo(r.Properties.BucketName, bucketId));
      expect(res, `${n.bucket} notifications`).toBeDefined();
      const configs = res![1].Properties.NotificationConfiguration.LambdaFunctionConfigurations;
      const target = s.stack.functions.byId[n.fn]!.target;
      const cfg = configs.find((c: any) => refersTo(c.LambdaFunctionArn, logicalId(target.node.defaultChild ?? target)));
      expect(cfg, `${n.bucket}/${n.prefix} → ${n.fn}`).toBeDefined();
      expect(cfg.Events).toEqual(['s3:ObjectCreated:*']);
      expect(cfg.Filter.Key.FilterRules).toEqual([{ Name: 'prefix', Value: n.prefix }]);

      const stage = s.stack.pipeline.stages[n.fn]!;
      const queueId = logicalId(stage.deadLetterQueue);
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      expect(s.template.toJSON().Resources[queueId].Properties.SqsManagedSseEnabled).toBe(true);
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        AlarmActions: Match.anyValue(),
      });
    }
  });
});

describe('LLM', () => {
  it('has a SageMaker model, a GPU endpoint config, the endpoint and target-tracking autoscaling', () => {
    s.template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: { Ref: 'LlmImageUri' }, ModelDataUrl: { 'Fn::If': ['LlmUseDefaultModelData', Match.anyValue(), { Ref: 'LlmModelDataUrl' }] } },
      EnableNetworkIsolation: true,
    });
    expect(s.template.toJSON().Parameters.LlmInstanceType.Default).toBe('ml.g5.xlarge');
    s.template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: { Ref: 'LlmInstanceType' }, VariantName: 'AllTraffic' })],
    });
    s.template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: s.stack.llm.endpointName });
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: `endpoint/${s.stack.llm.endpointName}/variant/AllTraffic`,
    });
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } }),
    });
    // LlmEnabled=false (first deploy, before the model archive exists) leaves out all of them.
    for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint', 'AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::ApplicationAutoScaling::ScalingPolicy']) {
      s.template.hasResource(type, { Condition: 'LlmEnabledCondition' });
    }
  });
});

describe('web', () => {
  it('serves /v1/* from the HTTP API uncached with all methods, the rest from the private bucket via OAC', () => {
    const [, dist] = resourcesOf(s.template, 'AWS::CloudFront::Distribution')[0]!;
    const cfg = dist.Properties.DistributionConfig;
    const apiId = logicalId(s.stack.api.httpApi);
    const api = cfg.Origins.find((o: any) => refersTo(o.DomainName, apiId));
    expect(api).toBeDefined();
    const behaviour = cfg.CacheBehaviors.find((b: any) => b.PathPattern === '/v1/*');
    expect(behaviour.TargetOriginId).toBe(api.Id);
    expect(behaviour.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(behaviour.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
    expect(behaviour.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // AllViewerExceptHostHeader
    const s3Origin = cfg.Origins.find((o: any) => o.Id === cfg.DefaultCacheBehavior.TargetOriginId);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(cfg.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(cfg.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    expect(JSON.stringify(cfg.WebACLId)).toContain('WebAcl');
  });

  it('sends security headers and has a WAF rate limit per IP', () => {
    s.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Match.objectLike({ StrictTransportSecurity: Match.objectLike({ Override: true }), ContentSecurityPolicy: Match.anyValue(), FrameOptions: { FrameOption: 'DENY', Override: true } }) },
    });
    s.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP', Limit: s.config.wafRateLimitPer5Min }) } })]),
    });
  });

  it('deploys a placeholder page when web/dist is missing (fresh clone)', () => {
    expect(s.stack.web.usesPlaceholder).toBe(true);
    s.template.resourceCountIs('Custom::CDKBucketDeployment', 1);
  });
});

describe('operations', () => {
  it('has a dashboard covering API, Lambda cold starts, the pipeline and LLM latency', () => {
    const [, dash] = resourcesOf(s.template, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const needle of ['Latency', '5xx', 'Errors', 'Throttles', 'ColdStarts-', 'ModelLatency', 'ApproximateNumberOfMessagesVisible']) expect(body, needle).toContain(needle);
    expect(resourcesOf(s.template, 'AWS::Logs::MetricFilter')).toHaveLength(Object.keys(fnDefs).length);
  });

  it('outputs the API URL, site URL, bucket names and user pool ids', () => {
    const outputs = Object.keys(s.template.toJSON().Outputs);
    for (const o of ['ApiUrl', 'SiteUrl', 'UserPoolId', 'UserPoolClientId', 'LlmEndpointName', ...Object.keys(buckets).map((b) => `Bucket${b[0]!.toUpperCase()}${b.slice(1)}`)]) {
      expect(outputs).toContain(o);
    }
  });

  it('passes cdk-nag AwsSolutions with every acknowledged finding justified', () => {
    expect(nagViolations(s.app).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    const acks = s.app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) for (const reason of Object.values(a)) expect(String(reason).length).toBeGreaterThan(20);
  });

  it('asks nothing of the environment: region pinned, account left to deploy time, no lookups', () => {
    expect(s.stack.region).toBe('us-east-1');
    expect(s.stack.account).toMatch(/AWS::AccountId|\$\{Token/);
    const manifest = JSON.parse(readFileSync(path.join(s.outdir, 'manifest.json'), 'utf8'));
    expect(JSON.stringify(manifest.missing ?? [])).toBe('[]');
  });
});
