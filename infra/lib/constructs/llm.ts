/**
 * Llm: the SageMaker real-time endpoint behind the stylist chat. The container image (e.g. Hugging Face
 * TGI) and model data are CloudFormation parameters, so ops choose the model at deploy time without a
 * code change; the GPU instance type too. Target tracking on invocations per instance scales it.
 * Only `sagemaker:InvokeEndpoint` on this endpoint is ever granted, through grantInvoke().
 */
import { ArnFormat, CfnCondition, CfnResource, CfnParameter, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { justify } from '../nag.ts';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

export const LLM_VARIANT = 'AllTraffic';
/** Key of the default model archive in the artifacts bucket. */
export const LLM_MODEL_KEY = 'llm/model.tar.gz';

export interface LlmProps {
  artifactsBucket: s3.IBucket;
  defaults: StageConfig['llm'];
}

export class Llm extends Construct {
  public readonly endpointName: string;
  public readonly endpointArn: string;
  public readonly role: iam.Role;
  public readonly model: sagemaker.CfnModel;
  public readonly endpointConfig: sagemaker.CfnEndpointConfig;
  public readonly endpoint: sagemaker.CfnEndpoint;
  public readonly scalableTarget: appscaling.ScalableTarget;
  public readonly imageUri: CfnParameter;
  public readonly modelDataUrl: CfnParameter;
  public readonly instanceType: CfnParameter;
  /** "false" leaves the endpoint out (first deploy, before llm/model.tar.gz exists; or to stop GPU billing). */
  public readonly enabled: CfnParameter;
  public readonly enabledCondition: CfnCondition;

  constructor(scope: Construct, id: string, props: LlmProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const d = props.defaults;

    // Parameters live on the stack (logical ids stay short and stable for `--parameters`).
    this.imageUri = new CfnParameter(stack, 'LlmImageUri', {
      type: 'String',
      default: d.imageUri,
      description: 'ECR image URI of the LLM serving container (e.g. Hugging Face TGI or DJL LMI), in the stack region',
      allowedPattern: '^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[^:@]+[:@].+$',
    });
    this.modelDataUrl = new CfnParameter(stack, 'LlmModelDataUrl', {
      type: 'String',
      default: d.modelDataUrl,
      description: `S3 URL of the model archive (model.tar.gz); empty = s3://<artifacts bucket>/${LLM_MODEL_KEY}`,
      allowedPattern: '^(|s3://.+)$',
    });
    this.instanceType = new CfnParameter(stack, 'LlmInstanceType', {
      type: 'String',
      default: d.instanceType,
      description: 'GPU instance type of the LLM endpoint',
      allowedPattern: '^ml\\.[a-z0-9]+\\.[a-z0-9]+$',
    });
    this.enabled = new CfnParameter(stack, 'LlmEnabled', {
      type: 'String',
      default: 'true',
      allowedValues: ['true', 'false'],
      description: 'Create the GPU endpoint. Deploy with false until the model archive is in place, or to stop GPU billing.',
    });
    this.enabledCondition = new CfnCondition(stack, 'LlmEnabledCondition', { expression: Fn.conditionEquals(this.enabled.valueAsString, 'true') });
    const useDefaultModel = new CfnCondition(stack, 'LlmUseDefaultModelData', {
      expression: Fn.conditionEquals(this.modelDataUrl.valueAsString, ''),
    });
    // cfn-lint checks the parameter's default against ModelDataUrl's pattern, not knowing the Fn::If picks the
    // artifacts-bucket URL when the parameter is empty.
    Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::W1030', reason: 'LlmModelDataUrl defaults to empty, which the Fn::If replaces with s3://<artifacts bucket>/llm/model.tar.gz.' });
    const modelData = Fn.conditionIf(
      useDefaultModel.logicalId,
      props.artifactsBucket.s3UrlForObject(LLM_MODEL_KEY),
      this.modelDataUrl.valueAsString,
    ).toString();

    this.endpointName = `${stack.stackName.toLowerCase()}-llm`;
    this.endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: this.endpointName });

    this.role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker LLM endpoint: pull its image, read its model archive, write its logs and metrics',
    });
    props.artifactsBucket.grantRead(this.role, 'llm/*');
    // The image repository is derived from the parameter: <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>.
    const host = Fn.select(0, Fn.split('/', this.imageUri.valueAsString));
    const repo = Fn.select(0, Fn.split(':', Fn.select(0, Fn.split('@', Fn.select(1, Fn.split('/', this.imageUri.valueAsString, 2))))));
    const repoArn = Fn.join('', [
      'arn:', stack.partition, ':ecr:', Fn.select(3, Fn.split('.', host)), ':', Fn.select(0, Fn.split('.', host)), ':repository/', repo,
    ]);
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [repoArn],
    }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroupArn, `${logGroupArn}:log-stream:*`],
    }));
    this.role.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
    }));
    justify(this.role, [
      { id: 'AwsSolutions-IAM5', reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions; PutMetricData is limited to the SageMaker namespaces by condition.', appliesTo: ['Resource::*'] },
      { id: 'AwsSolutions-IAM5', reason: 'Read-only access to the llm/ prefix of the artifacts bucket (the model archive) with the standard S3 read action groups.', appliesTo: ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', /^Resource::<.+\.Arn>\/llm\/\*$/] },
      { id: 'AwsSolutions-IAM5', reason: 'Log streams of this endpoint\'s own log group (/aws/sagemaker/Endpoints/<name>), whose names SageMaker chooses.', appliesTo: [/^Resource::arn:<AWS::Partition>:logs:.*:log-stream:\*$/] },
    ]);

    this.model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      // The container needs nothing from the internet: SageMaker fetches image and model data for it.
      enableNetworkIsolation: true,
      primaryContainer: {
        image: this.imageUri.valueAsString,
        modelDataUrl: modelData,
        environment: {
          // TGI serves the weights SageMaker unpacked into /opt/ml/model.
          HF_MODEL_ID: '/opt/ml/model',
          SM_NUM_GPUS: '1',
          MAX_INPUT_TOKENS: '3072',
          MAX_TOTAL_TOKENS: '4096',
        },
      },
    });
    this.model.node.addDependency(this.role);

    this.endpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [{
        variantName: LLM_VARIANT,
        modelName: this.model.attrModelName,
        instanceType: this.instanceType.valueAsString,
        initialInstanceCount: d.minInstances,
        initialVariantWeight: 1,
        // Large models take minutes to download and load.
        containerStartupHealthCheckTimeoutInSeconds: 900,
        modelDataDownloadTimeoutInSeconds: 1200,
      }],
    });
    justify(this.endpointConfig, [
      { id: 'AwsSolutions-SM2', reason: 'GPU instances such as ml.g5 have local NVMe instance storage, which SageMaker encrypts with a hardware key and where a customer KMS volume key is not supported.' },
    ]);
    justify(this.model, [
      { id: 'AwsSolutions-SM1', reason: 'Runs with network isolation (no network access at all from the container); a VPC adds NAT cost and nothing the container could use.' },
    ]);

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
    });

    this.scalableTarget = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${LLM_VARIANT}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: d.minInstances,
      maxCapacity: d.maxInstances,
      // Application Auto Scaling's service-linked role for SageMaker (created on first registration) carries
      // exactly the permissions scaling needs; CDK's default would be a new role without them.
      role: iam.Role.fromRoleArn(this, 'ScalingRole', stack.formatArn({
        service: 'iam', region: '', resource: 'role',
        resourceName: 'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      }), { mutable: false }),
    });
    // The target names the endpoint by name only: order it after the endpoint explicitly.
    this.scalableTarget.node.defaultChild!.node.addDependency(this.endpoint);
    this.scalableTarget.scaleToTrackMetric('InvocationsPerInstance', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: d.targetInvocationsPerInstance,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    // Everything that costs money or needs the model archive exists only when LlmEnabled=true.
    for (const c of [this.model, this.endpointConfig, this.endpoint, ...this.scalableTarget.node.findAll().filter((n) => n instanceof CfnResource)]) {
      (c as CfnResource).cfnOptions.condition = this.enabledCondition;
    }
  }

  /** Lets a function call this endpoint and nothing else on SageMaker. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:InvokeEndpoint'], resourceArns: [this.endpointArn] });
  }
}
