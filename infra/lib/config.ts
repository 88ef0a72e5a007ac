/**
 * Stage configuration, parsed with zod from CDK context (cdk.json or `-c key=value`).
 * Values given on the command line arrive as strings, hence the coercions. Nothing here reads the
 * environment or looks anything up, so `cdk synth` runs offline and gives the same template everywhere.
 */
import { z } from 'zod';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

const int = (min: number) => z.coerce.number().int().min(min);

/** A per-function number map (function id → count), JSON on the command line or an object in cdk.json. */
const fnNumbers = z.record(z.string(), int(0));

export const StageConfigSchema = z.object({
  stage: z.enum(STAGES),
  /**
   * Region of the main stack. CloudFront's WAF web ACL must live in us-east-1: when the stack is
   * elsewhere the web ACL goes to a small companion stack in us-east-1 (cross-region reference).
   */
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-1').default('us-east-1'),
  /** The web origin allowed by API CORS and the uploads bucket's CORS (presigned PUT from the browser). */
  webOrigin: z.string().url().default('https://localhost:5173'),
  /** Provisioned concurrency per function id (through a `live` alias); 0 = none. */
  provisionedConcurrency: fnNumbers.default({}),
  /** Reserved concurrency per function id, for functions that protect a downstream. */
  reservedConcurrency: fnNumbers.default({}),
  apiThrottle: z.object({ rateLimit: int(1), burstLimit: int(1) }),
  /** Requests per 5 minutes per client IP before WAF blocks it. */
  wafRateLimitPer5Min: int(100),
  /** Days before objects under uploads/search/ expire. */
  searchUploadExpiryDays: int(1),
  logRetentionDays: z.coerce.number().pipe(z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(365)])),
  /** prod keeps data on stack deletion; dev cleans up. */
  retainData: z.boolean(),
  /** Optional e-mail subscribed to the alarm topic. */
  alarmEmail: z.string().email().optional(),
  llm: z.object({
    /** Default for the LlmImageUri parameter: a Hugging Face TGI inference image (region-specific ECR). */
    imageUri: z.string().min(1),
    /** Default for the LlmModelDataUrl parameter; empty = s3://<artifacts bucket>/llm/model.tar.gz. */
    modelDataUrl: z.string().default(''),
    /** Default for the LlmInstanceType parameter. */
    instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/),
    minInstances: int(1),
    maxInstances: int(1),
    /** Target invocations per instance per minute for target tracking. */
    targetInvocationsPerInstance: int(1),
  }),
});

export type StageConfig = z.infer<typeof StageConfigSchema>;

const TGI_IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.4.0-tgi2.4.0-gpu-py311-cu124-ubuntu22.04';

/** Stage defaults; context keys override them one by one. */
const defaults: Record<Stage, Omit<StageConfig, 'stage'>> = {
  dev: {
    region: 'us-east-1',
    webOrigin: 'https://localhost:5173',
    provisionedConcurrency: { search: 0 },
    reservedConcurrency: { vision: 5, indexer: 1 },
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    wafRateLimitPer5Min: 1000,
    searchUploadExpiryDays: 1,
    logRetentionDays: 14,
    retainData: false,
    llm: { imageUri: TGI_IMAGE, modelDataUrl: '', instanceType: 'ml.g5.xlarge', minInstances: 1, maxInstances: 1, targetInvocationsPerInstance: 60 },
  },
  prod: {
    region: 'us-east-1',
    webOrigin: 'https://lookbook.example.com',
    provisionedConcurrency: { search: 2 },
    reservedConcurrency: { vision: 20, indexer: 1 },
    apiThrottle: { rateLimit: 500, burstLimit: 1000 },
    wafRateLimitPer5Min: 2000,
    searchUploadExpiryDays: 1,
    logRetentionDays: 90,
    retainData: true,
    llm: { imageUri: TGI_IMAGE, modelDataUrl: '', instanceType: 'ml.g5.xlarge', minInstances: 1, maxInstances: 4, targetInvocationsPerInstance: 60 },
  },
};

/** Context keys read; `llm.*` fields are flat keys (llmInstanceType …) so `-c` can set them. */
export const CONTEXT_KEYS = [
  'stage', 'region', 'webOrigin', 'provisionedConcurrency', 'searchProvisionedConcurrency', 'reservedConcurrency',
  'apiRateLimit', 'apiBurstLimit', 'wafRateLimitPer5Min', 'searchUploadExpiryDays', 'logRetentionDays', 'retainData',
  'llmImageUri', 'llmModelDataUrl', 'llmInstanceType', 'llmMinInstances', 'llmMaxInstances', 'llmTargetInvocationsPerInstance', 'alarmEmail',
] as const;

type Ctx = (key: string) => unknown;

/**
 * Builds the stage config from a context getter (app.node.tryGetContext) and throws a readable error
 * naming every bad key.
 */
export function loadConfig(get: Ctx): StageConfig {
  const stage = z.enum(STAGES).safeParse(get('stage') ?? 'dev');
  if (!stage.success) throw new Error(`context stage must be one of ${STAGES.join(', ')} (got ${String(get('stage'))})`);
  const d = defaults[stage.data];
  const pick = <T>(key: string, fallback: T): unknown => get(key) ?? fallback;
  const provisioned = { ...d.provisionedConcurrency, ...(parseMaybeJson(get('provisionedConcurrency')) as object | undefined) };
  if (get('searchProvisionedConcurrency') !== undefined) provisioned.search = Number(get('searchProvisionedConcurrency'));
  const raw = {
    stage: stage.data,
    region: pick('region', d.region),
    webOrigin: pick('webOrigin', d.webOrigin),
    provisionedConcurrency: provisioned,
    reservedConcurrency: { ...d.reservedConcurrency, ...(parseMaybeJson(get('reservedConcurrency')) as object | undefined) },
    apiThrottle: { rateLimit: pick('apiRateLimit', d.apiThrottle.rateLimit), burstLimit: pick('apiBurstLimit', d.apiThrottle.burstLimit) },
    wafRateLimitPer5Min: pick('wafRateLimitPer5Min', d.wafRateLimitPer5Min),
    searchUploadExpiryDays: pick('searchUploadExpiryDays', d.searchUploadExpiryDays),
    logRetentionDays: pick('logRetentionDays', d.logRetentionDays),
    retainData: parseBool(pick('retainData', d.retainData)),
    alarmEmail: get('alarmEmail') || undefined,
    llm: {
      imageUri: pick('llmImageUri', d.llm.imageUri),
      modelDataUrl: pick('llmModelDataUrl', d.llm.modelDataUrl),
      instanceType: pick('llmInstanceType', d.llm.instanceType),
      minInstances: pick('llmMinInstances', d.llm.minInstances),
      maxInstances: pick('llmMaxInstances', d.llm.maxInstances),
      targetInvocationsPerInstance: pick('llmTargetInvocationsPerInstance', d.llm.targetInvocationsPerInstance),
    },
  };
  const parsed = StageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid stage configuration (${stage.data}): ${why}`);
  }
  if (parsed.data.llm.maxInstances < parsed.data.llm.minInstances) {
    throw new Error('invalid stage configuration: llmMaxInstances must be >= llmMinInstances');
  }
  return parsed.data;
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new Error(`context value must be JSON: ${v}`);
  }
}

/** `-c retainData=false` is the string "false", which z.coerce.boolean would turn into true. */
function parseBool(v: unknown): unknown {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}
