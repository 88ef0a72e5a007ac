/**
 * Observability: one CloudWatch dashboard (API latency/errors, per-function errors/throttles/cold starts,
 * pipeline failures and DLQ depth, LLM model latency) and the alarms, all notifying one encrypted topic.
 * Cold starts are counted from the Lambda platform's REPORT lines that carry "Init Duration", so the count
 * does not depend on handler code emitting a metric.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { BuiltFunction } from './functions.ts';
import type { PipelineStage } from './pipeline.ts';
import { pascal } from './storage.ts';

export const METRICS_NAMESPACE = 'Lookbook';

export interface ObservabilityProps {
  httpApi: apigw.IHttpApi;
  functions: BuiltFunction[];
  pipeline: PipelineStage[];
  /** Alarms built elsewhere (pipeline) that should notify the same topic. */
  extraAlarms: cloudwatch.Alarm[];
  llm: { endpointName: string; variantName: string };
  alarmEmail?: string;
}

export class Observability extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the Lookbook alarm topic' });
    // CloudWatch alarms publish to an encrypted topic only if they may use its key.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'Lookbook alarms' });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subs.EmailSubscription(props.alarmEmail));

    const apiDim = { ApiId: props.httpApi.apiId };
    const apiMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: apiDim, statistic, period: Duration.minutes(1) });
    const llmMetric = (metricName: string, statistic: string, namespace = 'AWS/SageMaker') =>
      new cloudwatch.Metric({ namespace, metricName, statistic, period: Duration.minutes(1), dimensionsMap: { EndpointName: props.llm.endpointName, VariantName: props.llm.variantName } });

    const coldStarts: cloudwatch.IMetric[] = [];
    for (const f of props.functions) {
      const filter = new logs.MetricFilter(this, `${pascal(f.id)}ColdStarts`, {
        logGroup: f.fn.logGroup,
        filterPattern: logs.FilterPattern.literal('"Init Duration"'),
        metricNamespace: METRICS_NAMESPACE,
        metricName: `ColdStarts-${f.id}`,
        metricValue: '1',
        defaultValue: 0,
      });
      coldStarts.push(filter.metric({ statistic: 'Sum', period: Duration.minutes(5), label: f.id }));
    }

    const alarm = (name: string, a: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric }) => {
      const created = new cloudwatch.Alarm(this, name, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...a });
      this.alarms.push(created);
      return created;
    };
    alarm('Api5xx', { alarmDescription: 'API 5xx responses', metric: apiMetric('5xx', 'Sum').with({ period: Duration.minutes(5) }), threshold: 10, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });
    alarm('ApiLatencyP95', { alarmDescription: 'API p95 latency above 1.5 s for 3 minutes', metric: apiMetric('Latency', 'p95'), threshold: 1500, evaluationPeriods: 3, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD });
    for (const f of props.functions) {
      alarm(`${pascal(f.id)}Errors`, { alarmDescription: `${f.id} function errors`, metric: f.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), threshold: 5, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });
      alarm(`${pascal(f.id)}Throttles`, { alarmDescription: `${f.id} function throttled`, metric: f.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });
    }
    // ModelLatency is reported in microseconds.
    alarm('LlmModelLatencyP95', { alarmDescription: 'LLM p95 model latency above 20 s', metric: llmMetric('ModelLatency', 'p95').with({ period: Duration.minutes(5) }), threshold: 20_000_000, evaluationPeriods: 2, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD });
    alarm('LlmErrors', { alarmDescription: 'LLM endpoint 5xx errors', metric: llmMetric('Invocation5XXErrors', 'Sum').with({ period: Duration.minutes(5) }), threshold: 5, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD });

    const notify = new actions.SnsAction(this.alarmTopic);
    for (const a of [...this.alarms, ...props.extraAlarms]) a.addAlarmAction(notify);

    const fnMetrics = (pick: (f: BuiltFunction) => cloudwatch.IMetric) => props.functions.map(pick);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-ops`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'API latency (ms)', left: [apiMetric('Latency', 'p50'), apiMetric('Latency', 'p95'), apiMetric('Latency', 'p99')], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'API requests and errors (4xx includes throttled 429s)', left: [apiMetric('Count', 'Sum')], right: [apiMetric('4xx', 'Sum'), apiMetric('5xx', 'Sum')], width: 8 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms, ...props.extraAlarms], width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Lambda errors', left: fnMetrics((f) => f.fn.metricErrors({ label: f.id, statistic: 'Sum' })), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Lambda throttles', left: fnMetrics((f) => f.fn.metricThrottles({ label: f.id, statistic: 'Sum' })), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Lambda duration p95 (ms)', left: fnMetrics((f) => f.fn.metricDuration({ label: f.id, statistic: 'p95' })), width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Cold starts (REPORT lines with Init Duration)', left: coldStarts, width: 6 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Vision pipeline: failures and dead letters',
        left: props.pipeline.map((p) => p.target.metricErrors({ label: `${p.fnId} errors`, statistic: 'Sum' })),
        right: props.pipeline.map((p) => p.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${p.fnId} DLQ depth`, statistic: 'Maximum' })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'LLM endpoint',
        left: [llmMetric('ModelLatency', 'p50'), llmMetric('ModelLatency', 'p95')],
        right: [llmMetric('Invocations', 'Sum'), llmMetric('Invocation5XXErrors', 'Sum')],
        leftYAxis: { label: 'µs', showUnits: false },
        width: 12,
      }),
    );
  }
}
