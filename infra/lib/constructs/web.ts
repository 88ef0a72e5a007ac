/**
 * Web: the built React app (web/dist) in a private bucket behind CloudFront with origin access control.
 * `/v1/*` goes to the HTTP API uncached with every method, the Authorization header and the query string;
 * security headers on every response; a WAF web ACL (rate limit per IP + AWS managed rules) in front.
 * SPA fallback is a viewer-request CloudFront Function on the site behaviour only (extension-less paths →
 * /index.html): distribution-wide 403/404 error responses would also turn the API's JSON 404s
 * ("product not found") into 200 HTML pages.
 * A fresh clone has no web/dist, so synth then deploys a placeholder page instead of failing.
 */
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { justify } from '../nag.ts';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { secureBucketProps } from './storage.ts';

export interface WebProps {
  /** Folder of the built app; a placeholder page is deployed when it has no index.html. */
  distDir: string;
  httpApi: apigw.IHttpApi;
  logBucket: s3.IBucket;
  /** ARN of a CLOUDFRONT-scope web ACL (always created in us-east-1). */
  webAclArn: string;
  retainData: boolean;
}

export const API_PATH_PATTERN = '/v1/*';

export class Web extends Construct {
  public readonly siteBucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly deployment: s3deploy.BucketDeployment;
  public readonly usesPlaceholder: boolean;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    this.siteBucket = new s3.Bucket(this, 'SiteBucket', {
      ...secureBucketProps(props.retainData),
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: 's3/site/',
    });

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Lookbook security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: {
          // Same-origin app and API; images and presigned uploads go to S3, sign-in to Cognito.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob: https://*.amazonaws.com",
            "connect-src 'self' https://*.amazonaws.com",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
          ].join('; '),
          override: true,
        },
      },
    });

    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Serve /index.html for client-side routes (paths without a file extension)',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        'function handler(event) {\n' +
        '  var req = event.request;\n' +
        "  var last = req.uri.split('/').pop();\n" +
        "  if (last.indexOf('.') === -1) req.uri = '/index.html';\n" +
        '  return req;\n' +
        '}',
      ),
    });

    // apiEndpoint is https://<id>.execute-api.<region>.amazonaws.com
    const apiDomain = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Lookbook web (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        [API_PATH_PATTERN]: {
          origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2] }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          // Caching disabled; with it, the all-viewer policy forwards Authorization and the query string.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: securityHeaders,
          compress: true,
        },
      },
    });
    justify(this.distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'A global shop: no geo restriction is wanted.' },
      { id: 'AwsSolutions-CFR4', reason: 'Served on the default *.cloudfront.net certificate, which CloudFront pins to TLSv1; add a custom domain with an ACM certificate and minimumProtocolVersion TLS_V1_2_2021 to raise it.' },
    ]);

    const index = path.join(props.distDir, 'index.html');
    this.usesPlaceholder = !existsSync(index);
    const source = this.usesPlaceholder
      ? s3deploy.Source.data('index.html', PLACEHOLDER_HTML)
      : s3deploy.Source.asset(props.distDir);
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [source],
      destinationBucket: this.siteBucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    suppressDeploymentHandler(Stack.of(this));
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}

/** A CLOUDFRONT-scope web ACL: rate limit per client IP, then AWS managed rule groups. Must be in us-east-1. */
export function createWebAcl(scope: Construct, id: string, ratePer5Min: number): wafv2.CfnWebACL {
  const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
  return new wafv2.CfnWebACL(scope, id, {
    scope: 'CLOUDFRONT',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('lookbook-web'),
    rules: [
      {
        name: 'rate-per-ip',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: ratePer5Min, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
        visibilityConfig: visibility('rate-per-ip'),
      },
      {
        name: 'aws-common',
        priority: 1,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            // Image search posts base64 photos (up to a few MB): count, don't block, large bodies.
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          },
        },
        visibilityConfig: visibility('aws-common'),
      },
      {
        name: 'aws-known-bad-inputs',
        priority: 2,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        visibilityConfig: visibility('aws-known-bad-inputs'),
      },
    ],
  });
}

function suppressDeploymentHandler(stack: Stack): void {
  for (const c of stack.node.children) {
    if (!c.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    justify(c, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK\'s BucketDeployment handler (deploy-time only) logs with AWSLambdaBasicExecutionRole.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] },
      { id: 'AwsSolutions-IAM5', reason: 'CDK\'s BucketDeployment handler copies the staged web assets into the site bucket and invalidates the distribution; its object-level wildcards are on the CDK asset bucket and the site bucket only.' },
      { id: 'AwsSolutions-L1', reason: 'Runtime of CDK\'s own BucketDeployment handler is chosen by aws-cdk-lib.' },
    ]);
  }
}

const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lookbook</title></head>
<body><h1>Lookbook</h1><p>The web app has not been built into this deployment yet: run <code>npm run build --prefix web</code> (or the web build) and deploy again.</p></body></html>
`;
