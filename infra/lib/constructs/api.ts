/**
 * Api: the HTTP API built from the route table. Every route invokes its function's target (the `live`
 * alias when provisioned); `user` and `admin` routes carry the Cognito JWT authorizer (admin membership is
 * checked by the handler from the token's cognito:groups claim), `public` routes none.
 */
import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { justify } from '../nag.ts';
import { Construct } from 'constructs';
import { routeKey, type RouteDef } from '../../../functions/routes.ts';

export interface ApiProps {
  routes: readonly RouteDef[];
  target: (fnId: string) => lambda.IFunction;
  userPool: cognito.IUserPool;
  userPoolClient: cognito.IUserPoolClient;
  webOrigin: string;
  throttle: { rateLimit: number; burstLimit: number };
  logRetentionDays: logs.RetentionDays;
}

export class Api extends Construct {
  public readonly httpApi: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly authorizer: HttpUserPoolAuthorizer;
  public readonly accessLogs: logs.LogGroup;
  /** Route key ("GET /v1/products/{id}") → route, for every route the API exposes. */
  public readonly routes = new Map<string, apigw.HttpRoute>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Lookbook HTTP API (built from functions/routes.ts)',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.webOrigin],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PUT, apigw.CorsHttpMethod.DELETE, apigw.CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type', 'x-request-id', 'x-session-id'],
        exposeHeaders: ['x-request-id'],
        maxAge: Duration.hours(1),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetentionDays });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          routeKey: '$context.routeKey',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          integrationLatencyMs: '$context.integrationLatency',
          integrationError: '$context.integrationErrorMessage',
          authorizerError: '$context.authorizer.error',
          responseLength: '$context.responseLength',
        })),
      },
    });

    this.authorizer = new HttpUserPoolAuthorizer('CognitoJwt', props.userPool, {
      userPoolClients: [props.userPoolClient],
      identitySource: ['$request.header.Authorization'],
    });

    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const r of props.routes) {
      const key = routeKey(r);
      if (this.routes.has(key)) throw new Error(`route table has ${key} twice`);
      let integration = integrations.get(r.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${r.fn}Integration`, props.target(r.fn), { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
        integrations.set(r.fn, integration);
      }
      const route = new apigw.HttpRoute(this, `Route${key.replace(/[^A-Za-z0-9]/g, '')}`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(r.path, apigw.HttpMethod[r.method]),
        integration,
        authorizer: r.auth === 'public' ? undefined : this.authorizer,
      });
      if (r.auth === 'public') {
        justify(route, [
          { id: 'AwsSolutions-APIG4', reason: `${key} is public by design in the route table (health, catalog browsing, search); user and admin routes use the Cognito JWT authorizer.` },
        ]);
      }
      this.routes.set(key, route);
    }
  }

  get url(): string {
    return this.stage.url;
  }
}

