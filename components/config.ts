import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { executionRolePolicy, PROMPT_FILE_PATTERN } from "./agentRuntime";
import { invokerPolicy } from "./agentRuntimeAccess";
import {
  AGENTCORE,
  API_GATEWAY,
  BEDROCK,
  CLOUDWATCH,
  ECR,
  environmentBytes,
  IAM,
  LAMBDA,
  LONGEST,
  ROUTE53,
  SNS,
  WAF,
} from "./limits";
import { runtimeNameFor, RUNTIME_NAME_PATTERN } from "./naming";
import { ROUTES, RouteKey } from "./streamingApi";
import { proxyEnvironment } from "./streamingProxy";

/**
 * The stack configuration, validated. Every key lives under the project's namespace
 * (`agentcore-stream:<key>`) and is declared with its default in Pulumi.yaml. Each key's range is
 * the AWS limit it ends up in (components/limits.ts), and where that limit is on a sum (Lambda's
 * environment, a policy document) the sum is checked. Validation fails fast, before any resource is
 * registered, with a message that names the key, the limit, the value's size and what to do
 * instead: a bad value should cost a second of `pulumi preview`, not a half-deployed stack.
 */

/**
 * A Bedrock model id (`anthropic.claude-...`) or a cross-region inference profile id
 * (`us.anthropic.claude-...`, `global.` ...). ARNs are not accepted: the IAM statements are derived
 * from the id, and an ARN would hide which region prefix routes where.
 */
export const MODEL_ID_PATTERN =
  /^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?[a-z0-9-]+\.[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Where the image built from agent/ takes its prompt files from. */
const SHIPPED_PROMPTS_DIR = path.join(__dirname, "..", "agent", "prompts");

const integer = (min: number, max: number) => z.number().int().min(min).max(max);
const arn = (service: string, resource: string) =>
  new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}$`);

const networkSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("PUBLIC") }).strict(),
  z
    .object({
      mode: z.literal("VPC"),
      subnetIds: z
        .array(z.string().regex(AGENTCORE.vpc.subnets.pattern))
        .min(AGENTCORE.vpc.subnets.min)
        .max(AGENTCORE.vpc.subnets.max),
      securityGroupIds: z
        .array(z.string().regex(AGENTCORE.vpc.securityGroups.pattern))
        .min(AGENTCORE.vpc.securityGroups.min)
        .max(AGENTCORE.vpc.securityGroups.max),
    })
    .strict(),
]);

const throttleSchema = z
  .object({
    rateLimit: z.number().positive().max(API_GATEWAY.throttle.maxRatePerSecond),
    burstLimit: integer(1, API_GATEWAY.throttle.maxBurst),
  })
  .strict();

const guardrailSchema = z
  .object({
    id: z.string().max(BEDROCK.guardrail.identifierMaxChars).regex(BEDROCK.guardrail.idPattern),
    version: z.string().regex(BEDROCK.guardrail.versionPattern),
  })
  .strict();

const authSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("apiKey") }).strict(),
  z
    .object({
      mode: z.literal("cognito"),
      /** An existing user pool; without it the stack creates one with an app client. */
      userPoolArn: z.string().regex(arn("cognito-idp", "userpool\\/[\\w-]+")).optional(),
      scopes: z.array(z.string().min(1)).optional(),
    })
    .strict(),
  z.object({ mode: z.literal("iam") }).strict(),
  z
    .object({
      mode: z.literal("lambda"),
      functionArn: z.string().regex(arn("lambda", "function:[\\w-]{1,64}")),
      identitySource: z.string().regex(API_GATEWAY.authorizerIdentitySource.pattern).optional(),
      resultTtlSeconds: integer(
        API_GATEWAY.authorizerResultTtlSeconds.min,
        API_GATEWAY.authorizerResultTtlSeconds.max,
      ).optional(),
    })
    .strict(),
  z.object({ mode: z.literal("none") }).strict(),
]);

const usagePlanSchema = z
  .object({
    rateLimit: z.number().positive().max(API_GATEWAY.throttle.maxRatePerSecond),
    burstLimit: integer(1, API_GATEWAY.throttle.maxBurst),
    quotaLimit: integer(1, API_GATEWAY.usagePlanQuota.max).optional(),
    quotaPeriod: z.enum(API_GATEWAY.usagePlanQuota.periods).optional(),
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
    certificateArn: z.string().regex(arn("acm", "certificate\\/[\\w-]+")).optional(),
    hostedZoneId: z
      .string()
      .max(ROUTE53.hostedZoneId.maxChars)
      .regex(/^Z[A-Z0-9]+$/)
      .optional(),
    // API Gateway documents no limit on a base path; this takes one URL path segment.
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
  z.object({ webAclArn: z.string().regex(arn("wafv2", "regional\\/webacl\\/.+")) }).strict(),
  z.object({ rateLimitPer5Minutes: integer(WAF.rateLimit.min, WAF.rateLimit.max) }).strict(),
]);

const alarmsSchema = z
  .object({
    snsTopicArn: z
      .string()
      .regex(arn("sns", "[^:]+"))
      .refine((topic) => SNS.topicName.pattern.test(topic.slice(topic.lastIndexOf(":") + 1))),
    // Ours: API Gateway's Latency never exceeds the longest integration timeout.
    p99LatencyMs: integer(100, API_GATEWAY.integrationTimeoutMs.max).optional(),
  })
  .strict();

/** The API's routes as `routeThrottle` names them: `"<METHOD> /<path>"`. */
const ROUTE_KEYS = ROUTES.map((r) => `${r.method} /${r.path}` as RouteKey) as [
  RouteKey,
  ...RouteKey[],
];

/** `arn:…:iam::<account>:role<path><name>`, with IAM's limits on the path and the name. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;
const roleArn = z
  .string()
  .regex(ROLE_ARN)
  .refine((value) => {
    const match = ROLE_ARN.exec(value);
    // zod runs this even when the pattern failed; that failure is reported already.
    if (!match) return true;
    const [, rolePath, name] = match;
    return rolePath.length <= IAM.role.pathMaxChars && name.length <= IAM.role.nameMaxChars;
  });

const stackConfigSchema = z
  .object({
    // Its length is bounded by the execution role's policy (checkExecutionRolePolicy), below the
    // 2048 characters the agent accepts.
    modelId: z.string().regex(MODEL_ID_PATTERN),
    modelRegion: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)
      .optional(),
    // ConverseStream documents only a minimum; each model checks its own maximum when called.
    maxTokens: integer(BEDROCK.inference.maxTokensMin, 200000),
    temperature: z
      .number()
      .min(BEDROCK.inference.temperature.min)
      .max(BEDROCK.inference.temperature.max),
    systemPrompt: z.string().max(AGENTCORE.environment.valueMaxChars),
    systemPromptFile: z.string().regex(PROMPT_FILE_PATTERN).optional(),
    guardrail: guardrailSchema.optional(),
    // ECR's limits on a repository name and a tag keep a URI far below AgentCore's 1024.
    agentImageUri: z
      .string()
      .regex(AGENTCORE.containerUri.pattern)
      .refine((uri) => {
        const [, , , repository, reference] = AGENTCORE.containerUri.pattern.exec(uri) ?? [];
        if (repository === undefined) return true; // the pattern's failure is reported already
        const tag = reference.startsWith(":") ? reference.slice(1) : "";
        return (
          repository.length <= ECR.repositoryName.maxChars && tag.length <= ECR.imageTag.maxChars
        );
      })
      .optional(),
    ecrForceDelete: z.boolean(),
    runtimeName: z.string().regex(RUNTIME_NAME_PATTERN),
    endpointName: z.string().regex(AGENTCORE.endpointName.pattern),
    network: networkSchema,
    idleTimeoutSeconds: integer(AGENTCORE.lifecycleSeconds.min, AGENTCORE.lifecycleSeconds.max),
    maxLifetimeSeconds: integer(AGENTCORE.lifecycleSeconds.min, AGENTCORE.lifecycleSeconds.max),
    operatorRoleArns: z.array(roleArn),
    // The 30 s floor is ours: the proxy ends a stream 3 s before its deadline, and a model's first
    // token can take seconds.
    proxyTimeoutSeconds: integer(30, LAMBDA.timeoutSeconds.max),
    proxyMemoryMb: integer(LAMBDA.memoryMb.min, LAMBDA.memoryMb.max),
    // Ours: below API Gateway's 5-minute idle timeout for streams, with room to spare.
    heartbeatMs: integer(1000, 240000),
    maxBodyBytes: integer(1024, LAMBDA.requestPayloadBytes.max),
    logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]),
    logRetentionDays: z.union(CLOUDWATCH.logRetentionDays.values.map((d) => z.literal(d))),
    integrationTimeoutMs: integer(
      API_GATEWAY.integrationTimeoutMs.min,
      API_GATEWAY.integrationTimeoutMs.max,
    ),
    stageName: z.string().regex(API_GATEWAY.stageName.pattern),
    throttle: throttleSchema,
    manageApiGatewayAccount: z.boolean(),
    auth: authSchema,
    usagePlan: usagePlanSchema,
    routeThrottle: z.partialRecord(z.enum(ROUTE_KEYS), throttleSchema),
    corsAllowedOrigins: z
      .array(origin)
      .refine((origins) => !origins.includes("*") || origins.length === 1),
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

const envValue = `at most ${AGENTCORE.environment.valueMaxChars} characters (AgentCore's limit on an environment variable's value)`;
const throttleAccepts = `\`{"rateLimit": <requests per second, at most ${API_GATEWAY.throttle.maxRatePerSecond}>, "burstLimit": <integer from 1 to ${API_GATEWAY.throttle.maxBurst}>}\` (API Gateway's default account quota)`;

/** What each key accepts, in words, for error messages. */
const ACCEPTS: Record<keyof StackConfig, string> = {
  modelId: `a Bedrock model id such as \`anthropic.claude-haiku-4-5-20251001-v1:0\` or an inference profile id such as \`us.anthropic.claude-haiku-4-5-20251001-v1:0\``,
  modelRegion: "an AWS region such as `us-east-1`",
  maxTokens: "an integer from 1 to 200000",
  temperature: "a number from 0 to 1",
  systemPrompt: `a prompt of ${envValue}; put a longer prompt in a file in agent/prompts/ and set \`systemPromptFile\` to its name instead`,
  systemPromptFile:
    "the name of a file in agent/prompts/ (in your image's prompts/ folder with `agentImageUri`), such as `support.md`: letters, digits, `_`, `.` or `-`, ending in `.md`, at most 100 characters",
  guardrail: `an object \`{"id": "<guardrail id, at most ${BEDROCK.guardrail.identifierMaxChars} characters>", "version": "DRAFT" | "<1 to 99999999>"}\``,
  agentImageUri: `an ECR image URI \`<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>\` (or \`:<tag>\`), with a repository name of at most ${ECR.repositoryName.maxChars} characters and a tag of at most ${ECR.imageTag.maxChars}`,
  ecrForceDelete: "`true` or `false`",
  runtimeName: "a name matching `[a-zA-Z][a-zA-Z0-9_]{0,47}` (letters, digits, underscores)",
  endpointName: "a name matching `[a-zA-Z][a-zA-Z0-9_]{0,47}` (letters, digits, underscores)",
  network: `\`{"mode": "PUBLIC"}\` or \`{"mode": "VPC", "subnetIds": ["subnet-…"], "securityGroupIds": ["sg-…"]}\` with 1 to ${AGENTCORE.vpc.subnets.max} of each, ids of 8 to 17 letters or digits after the prefix`,
  idleTimeoutSeconds: `an integer from ${AGENTCORE.lifecycleSeconds.min} to ${AGENTCORE.lifecycleSeconds.max}`,
  maxLifetimeSeconds: `an integer from ${AGENTCORE.lifecycleSeconds.min} to ${AGENTCORE.lifecycleSeconds.max}`,
  operatorRoleArns: `a list of IAM role ARNs \`arn:aws:iam::<account>:role/<name>\` (names of at most ${IAM.role.nameMaxChars} characters, paths of at most ${IAM.role.pathMaxChars})`,
  proxyTimeoutSeconds: `an integer from 30 to ${LAMBDA.timeoutSeconds.max} (Lambda's maximum)`,
  proxyMemoryMb: `an integer from ${LAMBDA.memoryMb.min} to ${LAMBDA.memoryMb.max} (Lambda's range)`,
  heartbeatMs:
    "an integer from 1000 to 240000 (below API Gateway's 5-minute idle timeout for streams)",
  maxBodyBytes: `an integer from 1024 to ${LAMBDA.requestPayloadBytes.max} (Lambda's 6 MB request payload)`,
  logLevel: "one of DEBUG, INFO, WARN, ERROR",
  logRetentionDays: `one of ${CLOUDWATCH.logRetentionDays.values.join(", ")}`,
  integrationTimeoutMs: `an integer from ${API_GATEWAY.integrationTimeoutMs.min} to ${API_GATEWAY.integrationTimeoutMs.max} (${API_GATEWAY.integrationTimeoutMs.max} is the STREAM maximum)`,
  stageName: "1 to 128 letters, digits, `-` or `_`",
  throttle: throttleAccepts,
  manageApiGatewayAccount: "`true` or `false`",
  auth: '`{"mode": "apiKey"}`, `{"mode": "cognito", "userPoolArn"?, "scopes"?}`, `{"mode": "iam"}`, `{"mode": "lambda", "functionArn", "identitySource"? (e.g. method.request.header.Authorization), "resultTtlSeconds"? (0 to 3600)}` or `{"mode": "none"}`',
  usagePlan: `\`{"rateLimit": <req/s, at most ${API_GATEWAY.throttle.maxRatePerSecond}>, "burstLimit": <1 to ${API_GATEWAY.throttle.maxBurst}>, "quotaLimit"?: <1 to ${API_GATEWAY.usagePlanQuota.max}>, "quotaPeriod"?: "DAY" | "WEEK" | "MONTH"}\` (quotaLimit and quotaPeriod together)`,
  routeThrottle: `\`{${ROUTE_KEYS.map((route) => `"${route}": {"rateLimit", "burstLimit"}`).join(", ")}}\` (each route optional), each ${throttleAccepts}`,
  corsAllowedOrigins:
    'a list of origins such as `"https://app.example.com"`, or `["*"]` alone for any origin',
  customDomain: `\`{"domainName" (a DNS name of at most 253 characters), "certificateArn"?, "hostedZoneId"? (at most ${ROUTE53.hostedZoneId.maxChars} characters), "basePath"?}\` with a certificate ARN, or a Route 53 zone to create one in`,
  waf: `\`{"webAclArn": "<regional WebACL ARN>"}\` or \`{"rateLimitPer5Minutes": <${WAF.rateLimit.min} to ${WAF.rateLimit.max}>}\` to create one`,
  tracing: "`true` or `false`",
  alarms: `\`{"snsTopicArn": "<SNS topic ARN, a name of at most 256 characters>", "p99LatencyMs"?: <100 to ${API_GATEWAY.integrationTimeoutMs.max}>}\``,
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

const DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer concisely.";

/**
 * The code's defaults, which Pulumi.yaml declares too (a test keeps them equal). `runtimeName`'s
 * default is derived from the project and stack; keys missing here have none.
 */
export const CONFIG_DEFAULTS: Partial<StackConfig> = {
  modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  maxTokens: 4096,
  temperature: 0.7,
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  ecrForceDelete: false,
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

/**
 * Keys whose empty value means "none" or "derived": Pulumi.yaml declares "" as their default, since
 * a declared key without a default is one every stack must set.
 */
const EMPTY_MEANS_UNSET = new Set<string>([
  "modelRegion",
  "agentImageUri",
  "runtimeName",
  "systemPromptFile",
  "guardrail",
  "customDomain",
  "waf",
  "alarms",
]);

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

/** Pulumi stores scalars as strings; turn them into the types the schema expects. */
function coerce(key: keyof StackConfig, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (NUMERIC_KEYS.has(key)) return value.trim() === "" ? Number.NaN : Number(value);
  if (BOOLEAN_KEYS.has(key)) return value === "true" ? true : value === "false" ? false : value;
  return value;
}

export interface ConfigContext {
  project: string;
  stack: string;
  /** The prompt files the image built from agent/ ships (default agent/prompts/). */
  promptsDir?: string;
}

/**
 * Validate raw config values (with defaults applied) for the given project and stack.
 * Pure but for reading the prompt file it names: no Pulumi runtime needed, so every rule is
 * unit-testable.
 */
export function parseStackConfig(raw: RawConfig, context: ConfigContext): StackConfig {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || (value === "" && EMPTY_MEANS_UNSET.has(key))) continue;
    if (!(key in ACCEPTS)) {
      throw new ConfigError(
        `Unknown config key \`agentcore-stream:${key}\`. Known keys: ${Object.keys(ACCEPTS).join(", ")}.`,
      );
    }
    given[key] = value;
  }
  const withDefaults: Record<string, unknown> = {
    ...CONFIG_DEFAULTS,
    runtimeName: runtimeNameFor(context.project, context.stack),
  };
  for (const [key, value] of Object.entries(given)) {
    withDefaults[key] = coerce(key as keyof StackConfig, value);
  }

  const parsed = stackConfigSchema.safeParse(withDefaults);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof StackConfig;
    const inner = issue.path.slice(1);
    const where = inner.length > 0 ? ` (at ${inner.join(".")})` : "";
    // The value as given, but numbers as numbers once they parse as such.
    const coerced = valueAt(withDefaults[key], inner);
    const value =
      typeof coerced === "number" && Number.isFinite(coerced)
        ? coerced
        : valueAt(given[key] ?? coerced, inner);
    throw new ConfigError(
      `Invalid config \`agentcore-stream:${key}\`${where}: ${describe(value, !NUMERIC_KEYS.has(key) && !BOOLEAN_KEYS.has(key))} ` +
        `is not accepted; expected ${ACCEPTS[key] ?? "a valid value"}.`,
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
  checkPromptFile(config, context.promptsDir ?? SHIPPED_PROMPTS_DIR);
  checkProxyEnvironment(config);
  checkInvokerPolicy(config);
  checkExecutionRolePolicy(config);
  return config;
}

/**
 * A prompt file replaces the inline prompt. The image built from agent/ ships agent/prompts/, so
 * the file is checked here; in your own image (`agentImageUri`) the agent checks it at start.
 */
function checkPromptFile(config: StackConfig, promptsDir: string): void {
  const file = config.systemPromptFile;
  if (file === undefined) return;
  if (config.systemPrompt !== DEFAULT_SYSTEM_PROMPT && config.systemPrompt !== "") {
    throw new ConfigError(
      "Invalid config `agentcore-stream:systemPromptFile`: `systemPrompt` is set too, and the file " +
        "replaces it; keep one (`pulumi config rm agentcore-stream:systemPrompt`).",
    );
  }
  if (config.agentImageUri !== undefined) return;
  const text = readPrompt(path.join(promptsDir, file));
  if (typeof text !== "string") {
    const shipped = listPrompts(promptsDir);
    throw new ConfigError(
      `Invalid config \`agentcore-stream:systemPromptFile\`: agent/prompts/${file} cannot be read (${text.reason}); ` +
        `the agent image ships ${shipped.length > 0 ? shipped.join(", ") : "no prompt files"}. ` +
        "Add the file to agent/prompts/ or name one of those.",
    );
  }
  if (text.trim() === "") {
    throw new ConfigError(
      `Invalid config \`agentcore-stream:systemPromptFile\`: agent/prompts/${file} is empty; write the prompt in it.`,
    );
  }
}

/** The file's text, or why it has none: a file system error code, or not UTF-8. */
function readPrompt(file: string): string | { reason: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return { reason: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { reason: "it is not UTF-8 text" };
  }
}

function listPrompts(promptsDir: string): string[] {
  try {
    return readdirSync(promptsDir)
      .filter((name) => PROMPT_FILE_PATTERN.test(name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Lambda's 4 KB covers every variable together; the runtime's ARN is not known yet, so it is
 * sized at the longest an ARN can be.
 */
function checkProxyEnvironment(config: StackConfig): void {
  const bytes = environmentBytes(
    proxyEnvironment({
      runtimeArn: LONGEST.runtimeArn,
      qualifier: config.endpointName,
      heartbeatMs: config.heartbeatMs,
      maxBodyBytes: config.maxBodyBytes,
      corsAllowedOrigins: config.corsAllowedOrigins,
      logLevel: config.logLevel,
    }),
  );
  if (bytes <= LAMBDA.environment.maxBytes) return;
  const origins = config.corsAllowedOrigins;
  throw new ConfigError(
    `Invalid config \`agentcore-stream:corsAllowedOrigins\`: with these ${origins.length} origins ` +
      `(${origins.join(",").length} characters) the proxy Lambda's environment can reach ${bytes} bytes, ` +
      `over Lambda's limit of ${LAMBDA.environment.maxBytes} bytes for all its variables together. ` +
      'List only the origins browsers call the API from, or `["*"]` if any origin may.',
  );
}

/**
 * AgentCore takes at most 20480 characters per resource policy. The endpoint's ARN is the longer
 * of the two resources, and the proxy's role is named by Pulumi, so both are sized at their
 * longest; `invokerPolicy` is the function that writes the deployed documents.
 */
function checkInvokerPolicy(config: StackConfig): void {
  const operators = config.operatorRoleArns;
  const chars = invokerPolicy(LONGEST.endpointArn, [LONGEST.proxyRoleArn, ...operators]).length;
  if (chars <= AGENTCORE.resourcePolicy.maxChars) return;
  throw new ConfigError(
    `Invalid config \`agentcore-stream:operatorRoleArns\`: with these ${operators.length} roles the ` +
      `resource policy on the runtime endpoint can reach ${chars} characters, over AgentCore's limit ` +
      `of ${AGENTCORE.resourcePolicy.maxChars} per policy document. Name fewer roles: let operators ` +
      "assume one shared operator role instead of listing each person's.",
  );
}

/**
 * IAM takes at most 10240 characters for a role's inline policies. The execution role's policy
 * names the model id up to four times (inference profile and routed models), so a long id can
 * break it; unknown parts (partition, region, a generated repository name) are sized at their
 * longest.
 */
function checkExecutionRolePolicy(config: StackConfig): void {
  const chars = executionRolePolicy({
    imageUri: config.agentImageUri ?? LONGEST.imageUri,
    partition: LONGEST.partition,
    region: LONGEST.region,
    accountId: "0".repeat(12),
    modelId: config.modelId,
    modelRegion: config.modelRegion ?? LONGEST.region,
    runtimeName: config.runtimeName,
    guardrailId: config.guardrail?.id,
  }).length;
  if (chars <= IAM.roleInlinePolicies.maxChars) return;
  throw new ConfigError(
    `Invalid config \`agentcore-stream:modelId\`: with this model id (${config.modelId.length} characters)` +
      (config.guardrail ? ` and guardrail id (${config.guardrail.id.length} characters)` : "") +
      ` the agent's execution role policy can reach ${chars} characters, over IAM's limit of ` +
      `${IAM.roleInlinePolicies.maxChars} for a role's inline policies. Use the model's own id or ` +
      "inference profile id; they are far shorter.",
  );
}

function valueAt(value: unknown, at: PropertyKey[]): unknown {
  let current = value;
  for (const step of at) {
    if (current === null || typeof current !== "object") return current;
    current = (current as Record<PropertyKey, unknown>)[step];
  }
  return current;
}

/** A value as the message shows it: shortened, with its size when it has one. */
function describe(value: unknown, sized: boolean): string {
  const text = JSON.stringify(value);
  if (text === undefined) return "an empty value";
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  if (typeof value === "string" && sized) return `${shown} (${value.length} characters)`;
  if (Array.isArray(value)) return `${shown} (${value.length} items)`;
  return shown;
}

/**
 * Raw values from config as Pulumi hands them to a program: `<project>:<key>` to strings, objects
 * and lists as JSON. Keys of other namespaces are left out; unknown keys of this one are kept, so
 * that a misspelt key fails instead of being ignored.
 */
export function rawConfigFrom(values: Record<string, string>, project: string): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(values)) {
    if (!name.startsWith(`${project}:`)) continue;
    const key = name.slice(project.length + 1);
    raw[key] =
      STRUCTURED_KEYS.has(key as keyof StackConfig) && text !== "" ? json(key, text) : text;
  }
  return raw as RawConfig;
}

function json(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(
      `Invalid config \`agentcore-stream:${key}\`: it is not valid JSON; expected ${ACCEPTS[key as keyof StackConfig]}.`,
    );
  }
}

/** Read and validate this stack's config from the Pulumi runtime. */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  return parseStackConfig(rawConfigFrom(pulumi.runtime.allConfig(), project), {
    project,
    stack: pulumi.getStack(),
  });
}
