/**
 * The stack built from a route table with the entries the real one is still growing into: a container
 * vision function fed by uploads/ notifications, a node function that reaches a native package, a
 * provisioned search alias, a function that uses the LLM, and a main stack outside us-east-1 (so the
 * CloudFront web ACL goes to the us-east-1 edge stack). Proves the constructs are generic over the table.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteTable } from '../../infra/lib/lookbook-stack.ts';
import { nagViolations } from '../../infra/lib/nag.ts';
import { allStatements, asArray, resourcesOf, synthLookbook, type Synthesized } from './helpers.ts';

const table: RouteTable = {
  functions: {
    chat: { entry: 'test/infra/fixtures/plain-handler.ts', description: 'Stylist chat', memoryMb: 256, timeoutSec: 20, packaging: 'node', uses: ['sessions', 'llm'] },
    search: { entry: 'test/infra/fixtures/native-handler.ts', description: 'Search with a native dep', memoryMb: 2048, timeoutSec: 29, packaging: 'node', uses: ['artifactsBucket'] },
    vision: { entry: 'test/infra/fixtures/vision-handler.ts', description: 'Vision pipeline', memoryMb: 3008, timeoutSec: 120, packaging: 'container', uses: ['analyses', 'uploadsBucket'] },
  },
  routes: [
    { method: 'POST', path: '/v1/chat', fn: 'chat', auth: 'user' },
    { method: 'DELETE', path: '/v1/chat/{id}', fn: 'chat', auth: 'admin' },
    { method: 'POST', path: '/v1/search', fn: 'search', auth: 'public' },
  ] as unknown as RouteTable['routes'],
  bucketNotifications: [{ bucket: 'uploads', prefix: 'uploads/', fn: 'vision' }] as unknown as RouteTable['bucketNotifications'],
};

let s: Synthesized;
let edge: Template;
beforeAll(() => {
  s = synthLookbook(
    { region: 'eu-west-1', searchProvisionedConcurrency: '2', reservedConcurrency: '{"vision":7}' },
    { routeTable: table },
  );
  edge = Template.fromStack(s.edge!);
});
afterAll(() => s?.cleanup());

const id = (c: any) => s.stack.getLogicalId(c.node.defaultChild ?? c);
const fnProps = (fnId: string) => s.template.toJSON().Resources[id(s.stack.functions.byId[fnId]!.fn)].Properties;

describe('functions from any route table', () => {
  it('builds container entries as x86_64 images with reserved concurrency from config', () => {
    const p = fnProps('vision');
    expect(p.PackageType).toBe('Image');
    expect(p.Architectures).toEqual(['x86_64']);
    expect(p.ReservedConcurrentExecutions).toBe(7);
  });

  it('moves a node function that imports a native package into the ML image', () => {
    expect(s.stack.functions.byId.search!.nativeModules).toEqual(['sharp']);
    expect(fnProps('search').PackageType).toBe('Image');
    // Both image functions share one image and pick their handler by CMD.
    expect(fnProps('search').ImageConfig.Command).toEqual(['search.handler']);
    expect(fnProps('vision').ImageConfig.Command).toEqual(['vision.handler']);
    expect(fnProps('search').Code.ImageUri).toEqual(fnProps('vision').Code.ImageUri);
    expect(s.stack.functions.imageBuildArgs).toEqual({
      HANDLERS: 'search=test/infra/fixtures/native-handler.ts vision=test/infra/fixtures/vision-handler.ts',
      NATIVE_MODULES: 'sharp',
    });
    expect(fnProps('chat').Runtime).toBe('nodejs22.x');
    expect(fnProps('chat').Architectures).toEqual(['arm64']);
  });

  it('gives search provisioned concurrency through a live alias that the API invokes', () => {
    const alias = s.stack.functions.byId.search!.target;
    s.template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
    const integrations = resourcesOf(s.template, 'AWS::ApiGatewayV2::Integration');
    expect(integrations.some(([, i]) => JSON.stringify(i.Properties.IntegrationUri).includes(id(alias)))).toBe(true);
  });

  it('lets only functions that use the LLM invoke it, with InvokeEndpoint on that endpoint only', () => {
    const sm = allStatements(s.template).filter(({ statement }) => asArray(statement.Action).some((a: string) => a.startsWith('sagemaker:')));
    expect(sm).toHaveLength(1);
    expect(sm[0]!.statement.Action).toBe('sagemaker:InvokeEndpoint');
    expect(JSON.stringify(sm[0]!.statement.Resource)).toContain(`:endpoint/${s.stack.llm.endpointName}`);
    const policy = s.template.toJSON().Resources[sm[0]!.policy];
    expect(JSON.stringify(policy.Properties.Roles)).toContain(id(s.stack.functions.byId.chat!.fn.role!));
    expect(fnProps('chat').Environment.Variables.LLM_ENDPOINT_NAME).toBe(s.stack.llm.endpointName);
  });

  it('Llm.grantInvoke grants exactly sagemaker:InvokeEndpoint on the endpoint ARN', () => {
    const role = new iam.Role(s.stack, 'ProbeRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const grant = s.stack.llm.grantInvoke(role);
    expect(grant.success).toBe(true);
    const doc = s.stack.resolve((role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON());
    expect(doc.Statement).toEqual([{ Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: expect.objectContaining({ 'Fn::Join': expect.any(Array) }) }]);
    expect(JSON.stringify(doc.Statement[0].Resource)).toContain(`:endpoint/${s.stack.llm.endpointName}`);
  });
});

describe('pipeline from any route table', () => {
  it('sends uploads/ ObjectCreated events to the vision function, failures to its DLQ', () => {
    const uploads = id(s.stack.storage.buckets.uploads);
    const vision = id(s.stack.functions.byId.vision!.fn);
    s.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: uploads },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [vision, 'Arn'] },
        }],
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: { 'Fn::GetAtt': [uploads, 'Arn'] } });
    const dlq = id(s.stack.pipeline.stages.vision!.deadLetterQueue);
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: vision },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: vision } }] });
  });
});

describe('outside us-east-1', () => {
  it('puts the CLOUDFRONT web ACL in a us-east-1 edge stack and attaches it across regions', () => {
    expect(s.stack.region).toBe('eu-west-1');
    expect(s.edge!.region).toBe('us-east-1');
    edge.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    s.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    const [, dist] = resourcesOf(s.template, 'AWS::CloudFront::Distribution')[0]!;
    expect(JSON.stringify(dist.Properties.DistributionConfig.WebACLId)).toContain('ExportsReader');
  });

  it('is cdk-nag clean across both stacks', () => {
    expect(nagViolations(s.app).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });
});
