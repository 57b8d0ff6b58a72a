import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { runtimeNameFor, RUNTIME_NAME_PATTERN } from "./naming";

/**
 * The stack configuration, validated. Every key lives under the project's namespace
 * (`agentcore-stream:<key>`) and is declared with its type and default in Pulumi.yaml.
 * Validation fails fast, before any resource is registered, with a message that names the key
 * and what it accepts: a bad value should cost a second of `pulumi preview`, not a failed deploy.
 */

/** Log retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * A Bedrock model id (`anthropic.claude-...`) or a cross-region inference profile id
 * (`us.anthropic.claude-...`, `global.` ...). ARNs are not accepted: the IAM statements are derived
 * from the id, and an ARN would hide which region prefix routes where.
 */
export const MODEL_ID_PATTERN =
  /^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?[a-z0-9-]+\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const integer = (min: number, max: number) => z.number().int().min(min).max(max);

const networkSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("PUBLIC") }).strict(),
  z
    .object({
      mode: z.literal("VPC"),
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(1),
      securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).min(1),
    })
    .strict(),
]);

const throttleSchema = z
  .object({
    rateLimit: z.number().positive().max(10000),
    burstLimit: integer(1, 5000),
  })
  .strict();

const guardrailSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+$/),
    version: z.string().regex(/^(DRAFT|[0-9]+)$/),
  })
  .strict();

const authSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("apiKey") }).strict(),
  z
    .object({
      mode: z.literal("cognito"),
      /** An existing user pool; without it the stack creates one with an app client. */
      userPoolArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/)
        .optional(),
      scopes: z.array(z.string().min(1)).optional(),
    })
    .strict(),
  z.object({ mode: z.literal("iam") }).strict(),
  z
    .object({
      mode: z.literal("lambda"),
      functionArn: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$/),
      identitySource: z.string().min(1).optional(),
      resultTtlSeconds: integer(0, 3600).optional(),
    })
    .strict(),
  z.object({ mode: z.literal("none") }).strict(),
]);

const usagePlanSchema = z
  .object({
    rateLimit: z.number().positive().max(10000),
    burstLimit: integer(1, 5000),
    quotaLimit: integer(1, 1e9).optional(),
    quotaPeriod: z.enum(["DAY", "WEEK", "MONTH"]).optional(),
  })
  .strict()
  .refine((u) => (u.quotaLimit === undefined) === (u.quotaPeriod === undefined), {
    message: "quotaLimit and quotaPeriod go together",
  });

const origin = z.union([z.literal("*"), z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/)]);

const customDomainSchema = z
  .object({
    domainName: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/)
      .optional(),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]+$/)
      .optional(),
    basePath: z
      .string()
      .regex(/^[\w.-]+$/)
      .optional(),
  })
  .strict()
  .refine((d) => d.certificateArn !== undefined || d.hostedZoneId !== undefined, {
    message: "give certificateArn, or hostedZoneId to create and validate a certificate",
  });

const wafSchema = z.union([
  z
    .object({
      webAclArn: z.string().regex(/^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+$/),
    })
    .strict(),
  z.object({ rateLimitPer5Minutes: integer(10, 2000000000) }).strict(),
]);

const alarmsSchema = z
  .object({
    snsTopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/),
    p99LatencyMs: integer(100, 900000).optional(),
  })
  .strict();

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/);

const stackConfigSchema = z
  .object({
    modelId: z.string().regex(MODEL_ID_PATTERN),
    modelRegion: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)
      .optional(),
    maxTokens: integer(1, 200000),
    temperature: z.number().min(0).max(1),
    systemPrompt: z.string().max(20000),
    guardrail: guardrailSchema.optional(),
    agentImageUri: z
      .string()
      .regex(
        /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+(@sha256:[0-9a-f]{64}|:[\w.-]+)$/,
      )
      .optional(),
    ecrForceDelete: z.boolean(),
    runtimeName: z.string().regex(RUNTIME_NAME_PATTERN),
    endpointName: z.string().regex(RUNTIME_NAME_PATTERN),
    network: networkSchema,
    idleTimeoutSeconds: integer(60, 28800),
    maxLifetimeSeconds: integer(60, 28800),
    operatorRoleArns: z.array(roleArn),
    proxyTimeoutSeconds: integer(30, 900),
    proxyMemoryMb: integer(128, 10240),
    heartbeatMs: integer(1000, 240000),
    maxBodyBytes: integer(1024, 6 * 1024 * 1024),
    logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]),
    logRetentionDays: z.union(LOG_RETENTION_DAYS.map((d) => z.literal(d))),
    integrationTimeoutMs: integer(50, 900000),
    stageName: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    throttle: throttleSchema,
    manageApiGatewayAccount: z.boolean(),
    auth: authSchema,
    usagePlan: usagePlanSchema,
    routeThrottle: z.partialRecord(
      z.enum(["POST /invoke", "DELETE /sessions/{sessionId}", "POST /sessions/{sessionId}/cancel"]),
      throttleSchema,
    ),
    corsAllowedOrigins: z.array(origin),
    customDomain: customDomainSchema.optional(),
    waf: wafSchema.optional(),
    tracing: z.boolean(),
    alarms: alarmsSchema.optional(),
    dashboard: z.boolean(),
  })
  .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type AuthConfig = z.infer<typeof authSchema>;

/** What each key accepts, in words, for error messages. */
const ACCEPTS: Record<keyof StackConfig, string> = {
  modelId:
    "a Bedrock model id such as `anthropic.claude-haiku-4-5-20251001-v1:0` or an inference profile id such as `us.anthropic.claude-haiku-4-5-20251001-v1:0`",
  modelRegion: "an AWS region such as `us-east-1`",
  maxTokens: "an integer from 1 to 200000",
  temperature: "a number from 0 to 1",
  systemPrompt: "a string of at most 20000 characters",
  guardrail: 'an object `{"id": "<guardrail id>", "version": "DRAFT" | "<number>"}`',
  agentImageUri:
    "an ECR image URI `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>` (or `:<tag>`)",
  ecrForceDelete: "`true` or `false`",
  runtimeName: "a name matching `[a-zA-Z][a-zA-Z0-9_]{0,47}` (letters, digits, underscores)",
  endpointName: "a name matching `[a-zA-Z][a-zA-Z0-9_]{0,47}` (letters, digits, underscores)",
  network:
    '`{"mode": "PUBLIC"}` or `{"mode": "VPC", "subnetIds": ["subnet-…"], "securityGroupIds": ["sg-…"]}` with at least one of each',
  idleTimeoutSeconds: "an integer from 60 to 28800",
  maxLifetimeSeconds: "an integer from 60 to 28800",
  operatorRoleArns: "a list of IAM role ARNs `arn:aws:iam::<account>:role/<name>`",
  proxyTimeoutSeconds: "an integer from 30 to 900",
  proxyMemoryMb: "an integer from 128 to 10240",
  heartbeatMs:
    "an integer from 1000 to 240000 (below API Gateway's 5-minute idle timeout for streams)",
  maxBodyBytes: "an integer from 1024 to 6291456",
  logLevel: "one of DEBUG, INFO, WARN, ERROR",
  logRetentionDays: `one of ${LOG_RETENTION_DAYS.join(", ")}`,
  integrationTimeoutMs: "an integer from 50 to 900000 (900000 is the STREAM maximum)",
  stageName: "1 to 128 letters, digits, `-` or `_`",
  throttle: '`{"rateLimit": <requests per second>, "burstLimit": <integer>}`',
  manageApiGatewayAccount: "`true` or `false`",
  auth: '`{"mode": "apiKey"}`, `{"mode": "cognito", "userPoolArn"?, "scopes"?}`, `{"mode": "iam"}`, `{"mode": "lambda", "functionArn", "identitySource"?, "resultTtlSeconds"?}` or `{"mode": "none"}`',
  usagePlan:
    '`{"rateLimit": <req/s>, "burstLimit": <int>, "quotaLimit"?: <int>, "quotaPeriod"?: "DAY" | "WEEK" | "MONTH"}` (quotaLimit and quotaPeriod together)',
  routeThrottle:
    '`{"POST /invoke": {"rateLimit", "burstLimit"}, "DELETE /sessions/{sessionId}": {...}, "POST /sessions/{sessionId}/cancel": {...}}` (each route optional)',
  corsAllowedOrigins: 'a list of origins such as `"https://app.example.com"`, or `["*"]`',
  customDomain:
    '`{"domainName", "certificateArn"?, "hostedZoneId"?, "basePath"?}` with a certificate ARN, or a Route 53 zone to create one in',
  waf: '`{"webAclArn": "<regional WebACL ARN>"}` or `{"rateLimitPer5Minutes": <int>}` to create one',
  tracing: "`true` or `false`",
  alarms: '`{"snsTopicArn": "<SNS topic ARN>", "p99LatencyMs"?: <int>}`',
  dashboard: "`true` or `false`",
};

/** The raw values as Pulumi config hands them over: strings, or parsed JSON for objects. */
export type RawConfig = Partial<Record<keyof StackConfig, unknown>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/** Keys whose default depends on the stack (region, project and stack names, a build). */
const EMPTY_MEANS_DERIVED = new Set<string>(["modelRegion", "agentImageUri", "runtimeName"]);

const NUMERIC_KEYS = new Set<keyof StackConfig>([
  "maxTokens",
  "temperature",
  "idleTimeoutSeconds",
  "maxLifetimeSeconds",
  "proxyTimeoutSeconds",
  "proxyMemoryMb",
  "heartbeatMs",
  "maxBodyBytes",
  "logRetentionDays",
  "integrationTimeoutMs",
]);
const BOOLEAN_KEYS = new Set<keyof StackConfig>([
  "ecrForceDelete",
  "manageApiGatewayAccount",
  "tracing",
  "dashboard",
]);

/** Pulumi stores scalars as strings; turn them into the types the schema expects. */
function coerce(key: keyof StackConfig, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (NUMERIC_KEYS.has(key)) return value.trim() === "" ? Number.NaN : Number(value);
  if (BOOLEAN_KEYS.has(key)) return value === "true" ? true : value === "false" ? false : value;
  return value;
}

/**
 * Validate raw config values (with defaults applied) for the given project and stack.
 * Pure: no Pulumi runtime needed, so every rule is unit-testable.
 */
export function parseStackConfig(
  raw: RawConfig,
  context: { project: string; stack: string },
): StackConfig {
  const withDefaults: Record<string, unknown> = {
    modelId: DEFAULT_MODEL_ID,
    maxTokens: 4096,
    temperature: 0.7,
    systemPrompt: "You are a helpful assistant. Answer concisely.",
    ecrForceDelete: false,
    runtimeName: runtimeNameFor(context.project, context.stack),
    endpointName: "live",
    network: { mode: "PUBLIC" },
    idleTimeoutSeconds: 900,
    maxLifetimeSeconds: 28800,
    operatorRoleArns: [],
    proxyTimeoutSeconds: 900,
    proxyMemoryMb: 1024,
    heartbeatMs: 15000,
    maxBodyBytes: 262144,
    logLevel: "INFO",
    logRetentionDays: 30,
    integrationTimeoutMs: 900000,
    stageName: "v1",
    throttle: { rateLimit: 10, burstLimit: 20 },
    manageApiGatewayAccount: true,
    auth: { mode: "apiKey" },
    usagePlan: { rateLimit: 5, burstLimit: 10, quotaLimit: 10000, quotaPeriod: "MONTH" },
    routeThrottle: {},
    corsAllowedOrigins: [],
    tracing: true,
    dashboard: true,
  };
  for (const [key, value] of Object.entries(raw)) {
    // Pulumi.yaml declares "" as the default of keys whose real default is derived.
    if (value === undefined || (value === "" && EMPTY_MEANS_DERIVED.has(key))) continue;
    if (!(key in ACCEPTS)) {
      throw new ConfigError(
        `Unknown config key \`agentcore-stream:${key}\`. Known keys: ${Object.keys(ACCEPTS).join(", ")}.`,
      );
    }
    withDefaults[key] = coerce(key as keyof StackConfig, value);
  }

  const parsed = stackConfigSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof StackConfig;
    const where = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join(".")})` : "";
    throw new ConfigError(
      `Invalid config \`agentcore-stream:${key}\`${where}: ${describe(withDefaults[key])} is not accepted; ` +
        `expected ${ACCEPTS[key] ?? "a valid value"}.`,
    );
  }
  const config = parsed.data;

  if (config.maxLifetimeSeconds < config.idleTimeoutSeconds) {
    throw new ConfigError(
      "Invalid config `agentcore-stream:maxLifetimeSeconds`: it must be at least " +
        `\`idleTimeoutSeconds\` (${config.idleTimeoutSeconds}).`,
    );
  }
  if (config.integrationTimeoutMs > config.proxyTimeoutSeconds * 1000) {
    throw new ConfigError(
      `Invalid config \`agentcore-stream:integrationTimeoutMs\`: ${config.integrationTimeoutMs} ms ` +
        `outlives the proxy Lambda (\`proxyTimeoutSeconds\` = ${config.proxyTimeoutSeconds}); ` +
        "set it to at most the Lambda timeout so the proxy, not API Gateway, ends long streams cleanly.",
    );
  }
  if (config.heartbeatMs >= config.proxyTimeoutSeconds * 1000) {
    throw new ConfigError(
      "Invalid config `agentcore-stream:heartbeatMs`: it must be shorter than the proxy timeout.",
    );
  }
  return config;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined
    ? "an empty value"
    : text.length > 80
      ? `${text.slice(0, 77)}...`
      : text;
}

/** Keys whose values are JSON (objects and lists) rather than scalars. */
export const STRUCTURED_KEYS = new Set<keyof StackConfig>([
  "network",
  "throttle",
  "guardrail",
  "operatorRoleArns",
  "auth",
  "usagePlan",
  "routeThrottle",
  "corsAllowedOrigins",
  "customDomain",
  "waf",
  "alarms",
]);

/** Read and validate this stack's config from the Pulumi runtime. */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const raw: RawConfig = {};
  for (const key of Object.keys(ACCEPTS) as (keyof StackConfig)[]) {
    raw[key] = STRUCTURED_KEYS.has(key) ? readObject(config, key) : config.get(key);
  }
  return parseStackConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
}

function readObject(config: pulumi.Config, key: string): unknown {
  try {
    return config.getObject<unknown>(key);
  } catch {
    throw new ConfigError(
      `Invalid config \`agentcore-stream:${key}\`: it is not valid JSON; expected ${ACCEPTS[key as keyof StackConfig]}.`,
    );
  }
}
