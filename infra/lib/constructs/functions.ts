/**
 * Functions: one Lambda per entry of the route table's `functions`, built generically so new entries
 * need no stack change.
 * - `packaging: 'node'` → NodejsFunction (esbuild, nodejs22.x, ARM64). A node function whose import graph
 *   reaches a native package (onnxruntime-node, sharp, hnswlib-node …) is built from the ML runtime image
 *   instead, because those linux binaries cannot go into an esbuild zip (see native-modules.ts).
 * - `packaging: 'container'` → DockerImageFunction from layers/ml-runtime/Dockerfile, x86_64: the handler
 *   entries go in as a build arg (HANDLERS="<id>=<entry> …", one esbuild bundle each) and every function
 *   runs its own with CMD <id>.handler. The image is only *staged* at synth (a build context in cdk.out);
 *   docker builds and pushes it at `cdk deploy` (cdk-assets), so synth needs no Docker engine.
 * No Lambda layers for shared code: esbuild tree-shakes layers/core into each bundle, which is smaller and
 * versioned with the function; a layer would ship all of it to every function and split deployments.
 * Each function has its own role and log group; grants come exactly from its `uses` list.
 */
import { Annotations, Duration, IgnoreMode } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { justify } from '../nag.ts';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDef } from '../../../functions/routes.ts';
import indexProcessEnv from '../../process-env.json' with { type: 'json' };
import type { BucketId } from '../../../layers/core/src/buckets.ts';
import type { TableId } from '../../../layers/core/src/tables.ts';
import { nativeModulesOf } from '../native-modules.ts';
import { pascal } from './storage.ts';

export const ML_DOCKERFILE = 'layers/ml-runtime/Dockerfile';

/** Anything that can grant a function the right to call the LLM (the Llm construct). */
export interface LlmGrantable {
  readonly endpointName: string;
  grantInvoke(grantee: iam.IGrantable): void;
}

export interface FunctionsProps {
  repoRoot: string;
  defs: Record<string, FunctionDef>;
  stage: string;
  tables: Record<TableId, dynamodb.ITable>;
  buckets: Record<BucketId, s3.IBucket>;
  llm: LlmGrantable;
  webOrigin: string;
  logRetentionDays: logs.RetentionDays;
  provisionedConcurrency: Record<string, number>;
  reservedConcurrency: Record<string, number>;
  /** Minify bundles (off in tests: faster synth, same graph). */
  minify?: boolean;
}

export interface BuiltFunction {
  id: string;
  def: FunctionDef;
  fn: lambda.Function;
  /** What API routes and S3 notifications invoke: the `live` alias when provisioned, else the function. */
  target: lambda.IFunction;
  /** How it is packaged in the cloud, and the native packages its import graph reaches. */
  packaging: 'zip-arm64' | 'image-x86_64';
  nativeModules: string[];
}

const TABLE_USES: Record<string, TableId> = { catalog: 'catalog', sessions: 'sessions', analyses: 'analyses', wardrobe: 'wardrobe' };
const BUCKET_USES: Record<string, BucketId> = { catalogBucket: 'catalog', uploadsBucket: 'uploads', artifactsBucket: 'artifacts' };

export class Functions extends Construct {
  public readonly byId: Record<string, BuiltFunction> = {};

  /** Build args of the one ML image every image function shares (see imageCode). */
  public readonly imageBuildArgs?: { HANDLERS: string; NATIVE_MODULES: string };

  constructor(scope: Construct, id: string, private readonly props: FunctionsProps) {
    super(scope, id);
    const natives = Object.fromEntries(Object.entries(props.defs).map(([fnId, def]) => [fnId, this.nativesOf(fnId, def)]));
    const imageFns = Object.entries(props.defs).filter(([fnId, def]) => def.packaging === 'container' || natives[fnId]!.length > 0);
    if (imageFns.length > 0) {
      this.imageBuildArgs = {
        HANDLERS: imageFns.map(([fnId, def]) => `${fnId}=${def.entry}`).sort().join(' '),
        NATIVE_MODULES: [...new Set(imageFns.flatMap(([fnId]) => natives[fnId]!))].sort().join(' '),
      };
    }
    for (const [fnId, def] of Object.entries(props.defs)) this.byId[fnId] = this.build(fnId, def, natives[fnId]!);
  }

  private nativesOf(fnId: string, def: FunctionDef): string[] {
    if (!existsSync(path.resolve(this.props.repoRoot, def.entry))) throw new Error(`function "${fnId}": entry ${def.entry} does not exist`);
    return nativeModulesOf(def.entry, this.props.repoRoot);
  }

  /**
   * One image for all image functions: the same build context and build args give one asset (staged once,
   * built and pushed once), and each function picks its handler with CMD <id>.handler. Per-function images
   * would stage and build the same 30 MB context (models included) once per function.
   */
  private imageCode(fnId: string): lambda.DockerImageCode {
    return lambda.DockerImageCode.fromImageAsset(this.props.repoRoot, {
      file: ML_DOCKERFILE,
      buildArgs: this.imageBuildArgs,
      platform: Platform.LINUX_AMD64,
      ignoreMode: IgnoreMode.DOCKER,
      // Stage only what the image build reads: the allow-list mirrors layers/ml-runtime/Dockerfile.
      exclude: ML_CONTEXT_EXCLUDE,
      cmd: [`${fnId}.handler`],
    });
  }

  get all(): BuiltFunction[] {
    return Object.values(this.byId);
  }

  /** The invoke target of a route-table function id; throws on an id the table does not define. */
  target(fnId: string): lambda.IFunction {
    const built = this.byId[fnId];
    if (!built) throw new Error(`route table refers to unknown function "${fnId}"`);
    return built.target;
  }

  private build(fnId: string, def: FunctionDef, nativeModules: string[]): BuiltFunction {
    const p = this.props;
    const entryPath = path.resolve(p.repoRoot, def.entry);
    const name = pascal(fnId);

    const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: p.logRetentionDays });
    const role = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lookbook ${fnId} function: logs to its own group plus the resources in its route-table uses list`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs on every group): write access to this function's group only.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const environment: Record<string, string> = {
      STAGE: p.stage,
      POWERTOOLS_SERVICE_NAME: `lookbook-${fnId}`,
      POWERTOOLS_METRICS_NAMESPACE: 'Lookbook',
      LOG_LEVEL: p.stage === 'prod' ? 'INFO' : 'DEBUG',
      POWERTOOLS_LOG_LEVEL: p.stage === 'prod' ? 'INFO' : 'DEBUG',
      WEB_ORIGIN: p.webOrigin,
    };
    // Every physical name is passed (not only the used ones) so a missing grant fails loudly with
    // AccessDenied instead of silently falling back to the lookbook-<id> default name.
    for (const [tid, table] of Object.entries(p.tables)) environment[`TABLE_${tid.toUpperCase()}`] = table.tableName;
    for (const [bid, bucket] of Object.entries(p.buckets)) environment[`BUCKET_${bid.toUpperCase()}`] = bucket.bucketName;
    if (def.uses.includes('llm')) environment.LLM_ENDPOINT_NAME = p.llm.endpointName;
    // Functions that load the search index: malloc on transparent huge pages (README, "Cold load"). glibc reads it
    // at exec and ignores tunables it does not know (the Lambda base images' glibc 2.34 predates this one).
    if (def.uses.includes('artifactsBucket')) Object.assign(environment, indexProcessEnv);

    const asImage = def.packaging === 'container' || nativeModules.length > 0;
    if (def.packaging === 'node' && asImage) {
      Annotations.of(this).addInfo(`function "${fnId}" imports ${nativeModules.join(', ')}: built as an x86_64 image from ${ML_DOCKERFILE}`);
    }
    const common = {
      description: def.description,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSec),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment,
      reservedConcurrentExecutions: p.reservedConcurrency[fnId] || undefined,
    };

    let fn: lambda.Function;
    if (asImage) {
      fn = new lambda.DockerImageFunction(this, `${name}Function`, {
        ...common,
        architecture: lambda.Architecture.X86_64,
        code: this.imageCode(fnId),
      });
    } else {
      fn = new NodejsFunction(this, `${name}Function`, {
        ...common,
        entry: entryPath,
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        projectRoot: p.repoRoot,
        depsLockFilePath: path.join(p.repoRoot, 'package-lock.json'),
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          minify: p.minify ?? true,
          sourceMap: true,
          // Bundle the SDK too: the versions the tests ran, not whatever the runtime ships.
          externalModules: [],
          mainFields: ['module', 'main'],
          // ESM bundles of CommonJS dependencies need require().
          banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          environment: { NODE_ENV: 'production' },
        },
        environment: { ...environment, NODE_OPTIONS: '--enable-source-maps' },
      });
      justify(fn, [
        { id: 'AwsSolutions-L1', reason: 'nodejs22.x is the runtime the project targets and tests (Node 20/22 toolchain, Powertools v2); moving to nodejs24.x is a deliberate upgrade, not a default.' },
      ]);
    }

    this.grantUses(fnId, def, fn);
    justify(role, [
      { id: 'AwsSolutions-IAM5', reason: 'Actions without resource-level permissions (Resource "*"): X-Ray PutTraceSegments/PutTelemetryRecords for active tracing, and for image functions ecr:GetAuthorizationToken to pull the function image.', appliesTo: ['Resource::*'] },
      { id: 'AwsSolutions-IAM5', reason: 'Object-level access on the named buckets this function uses (bucket ARN + "/*"), and DynamoDB index access on its own tables (table ARN + "/index/*"), as granted from the route-table uses list.', appliesTo: [/^Resource::<.+\.Arn>\/(\*|index\/\*)$/, /^Resource::arn:<AWS::Partition>:s3:::.+\/\*$/] },
      { id: 'AwsSolutions-IAM5', reason: 'The bucket grant uses the standard S3 action groups (GetObject*, GetBucket*, List*, DeleteObject*, Abort*) limited to the named bucket.', appliesTo: [/^Action::s3:.*\*$/] },
    ]);

    let target: lambda.IFunction = fn;
    const provisioned = p.provisionedConcurrency[fnId] ?? 0;
    if (provisioned > 0) {
      target = new lambda.Alias(this, `${name}Live`, {
        aliasName: 'live',
        version: fn.currentVersion,
        provisionedConcurrentExecutions: provisioned,
      });
    }
    return { id: fnId, def, fn, target, packaging: asImage ? 'image-x86_64' : 'zip-arm64', nativeModules };
  }

  private grantUses(fnId: string, def: FunctionDef, fn: lambda.Function): void {
    for (const use of def.uses) {
      if (use === 'llm') this.props.llm.grantInvoke(fn);
      else if (TABLE_USES[use]) this.props.tables[TABLE_USES[use]].grantReadWriteData(fn);
      else if (BUCKET_USES[use]) this.props.buckets[BUCKET_USES[use]].grantReadWrite(fn);
      else throw new Error(`function "${fnId}": unknown uses entry "${String(use)}"`);
    }
  }
}

/** Everything in the repo except what the ML image build reads (Docker ignore syntax, `!` re-includes). */
export const ML_CONTEXT_EXCLUDE = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!patches',
  '!functions',
  '!layers',
  '!models',
  'models/*',
  '!models/manifest.json',
  '!models/trained',
  '!models/.cache',
  // Model caches may also hold feature dumps: stage the model files only.
  'models/.cache/**',
  '!models/.cache/*.onnx',
  '!models/.cache/*.json',
  '!models/.cache/*.txt',
  '!models/.cache/*.txt.gz',
  '**/node_modules',
  '**/*.test.ts',
];
