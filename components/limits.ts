/**
 * The AWS limits the stack configuration ends up in, each with the page that documents it. One
 * place, read by the config validation (components/config.ts) and by the test that checks every
 * AgentCore, Lambda, API Gateway and IAM value of the program run under mocks
 * (test/program/limits.test.ts).
 *
 * Where AWS documents a limit without saying how it is counted, the harsher count is used and the
 * comment says so. Where AWS documents no limit, none is invented here.
 */

const DOCS = "https://docs.aws.amazon.com";
const AGENTCORE_API = `${DOCS}/bedrock-agentcore-control/latest/APIReference`;

export const AGENTCORE = {
  runtimeName: {
    pattern: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/,
    maxChars: 48,
    source: `${AGENTCORE_API}/API_CreateAgentRuntime.html`,
  },
  /** `[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}`: AgentCore appends 11 characters to the name. */
  runtimeId: {
    pattern: /^[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}$/,
    maxChars: 111,
    source: `${AGENTCORE_API}/API_CreateAgentRuntimeEndpoint.html`,
  },
  endpointName: {
    pattern: /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/,
    maxChars: 48,
    source: `${AGENTCORE_API}/API_CreateAgentRuntimeEndpoint.html`,
  },
  runtimeDescription: { maxChars: 4096, source: `${AGENTCORE_API}/API_CreateAgentRuntime.html` },
  endpointDescription: {
    maxChars: 256,
    source: `${AGENTCORE_API}/API_CreateAgentRuntimeEndpoint.html`,
  },
  /**
   * Lengths as JavaScript counts them (UTF-16 code units), which is never less than the Unicode
   * characters AWS counts: a value that passes here passes there. The name pattern is the AWS API
   * model's (see shared/reference/aws-facts.md).
   */
  environment: {
    maxEntries: 50,
    keyMaxChars: 100,
    keyPattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
    valueMaxChars: 5000,
    source: `${AGENTCORE_API}/API_CreateAgentRuntime.html`,
  },
  lifecycleSeconds: {
    min: 60,
    max: 28800,
    source: `${AGENTCORE_API}/API_LifecycleConfiguration.html`,
  },
  vpc: {
    subnets: { min: 1, max: 16, pattern: /^subnet-[0-9a-zA-Z]{8,17}$/ },
    securityGroups: { min: 1, max: 16, pattern: /^sg-[0-9a-zA-Z]{8,17}$/ },
    source: `${AGENTCORE_API}/API_VpcConfig.html`,
  },
  /** The China pages' pattern, which adds `.amazonaws.com.cn` to the commercial pages' one. */
  containerUri: {
    maxChars: 1024,
    pattern:
      /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)([:@]\S+)$/,
    source: `${AGENTCORE_API}/API_ContainerConfiguration.html`,
  },
  resourcePolicy: {
    maxChars: 20480,
    resourceArnMaxChars: 1011,
    source: `${AGENTCORE_API}/API_PutResourcePolicy.html`,
  },
} as const;

export const LAMBDA = {
  memoryMb: { min: 128, max: 10240, source: `${DOCS}/lambda/latest/dg/gettingstarted-limits.html` },
  timeoutSeconds: {
    min: 1,
    max: 900,
    source: `${DOCS}/lambda/latest/dg/gettingstarted-limits.html`,
  },
  /**
   * "4 KB, for all environment variables associated with the function, in aggregate". How Lambda
   * counts is not documented; the error it gives is "exceeds 4096 byte limit", and reports say the
   * encoding counts too, so `environmentBytes` counts the UTF-8 bytes of the variables as a JSON
   * object, which is never less than the bytes of the keys and values alone.
   */
  environment: {
    maxBytes: 4096,
    keyPattern: /^[a-zA-Z]([a-zA-Z0-9_])+$/,
    /** Set by the Lambda runtime; a function may not set them. */
    reserved: [
      "_HANDLER",
      "_X_AMZN_TRACE_ID",
      "AWS_DEFAULT_REGION",
      "AWS_REGION",
      "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
      "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE",
      "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API",
      "LAMBDA_TASK_ROOT",
      "LAMBDA_RUNTIME_DIR",
      "TZ",
    ],
    source: `${DOCS}/lambda/latest/dg/configuration-envvars.html`,
  },
  description: { maxChars: 256, source: `${DOCS}/lambda/latest/api/API_CreateFunction.html` },
  /**
   * The synchronous invocation request payload (the proxy event, body included) is 6 MB, so no
   * request body can be larger: the event around it makes the real ceiling lower still.
   */
  requestPayloadBytes: {
    max: 6 * 1024 * 1024,
    source: `${DOCS}/lambda/latest/dg/gettingstarted-limits.html`,
  },
} as const;

/** The size Lambda's 4 KB environment limit is checked against (see `LAMBDA.environment`). */
export function environmentBytes(variables: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(variables), "utf8");
}

const APIGW_API = `${DOCS}/apigateway/latest/api`;

export const API_GATEWAY = {
  stageName: { pattern: /^[A-Za-z0-9_-]{1,128}$/, source: `${APIGW_API}/API_CreateStage.html` },
  /** 900000 with response transfer mode STREAM (29000 by default, 300000 when BUFFERED). */
  integrationTimeoutMs: {
    min: 50,
    max: 900000,
    source: `${DOCS}/apigateway/latest/developerguide/response-transfer-mode.html`,
  },
  /**
   * Stage, method and usage-plan throttles cannot exceed the account's throttle quota per Region:
   * 10,000 requests per second with a burst of 5,000 by default. An account can have it raised;
   * the default is the harsher case.
   */
  throttle: {
    maxRatePerSecond: 10000,
    maxBurst: 5000,
    source: `${DOCS}/apigateway/latest/developerguide/api-gateway-request-throttling.html`,
  },
  /** `QuotaSettings.limit` is an Integer: a signed 32-bit value. */
  usagePlanQuota: {
    max: 2147483647,
    periods: ["DAY", "WEEK", "MONTH"],
    source: `${APIGW_API}/API_QuotaSettings.html`,
  },
  authorizerResultTtlSeconds: {
    min: 0,
    max: 3600,
    source: `${APIGW_API}/API_CreateAuthorizer.html`,
  },
  /** A REQUEST authorizer's identity source: comma-separated mapping expressions. */
  authorizerIdentitySource: {
    pattern:
      /^(method\.request\.(header|querystring)|stageVariables|context)\.[^,\s]+(,\s*(method\.request\.(header|querystring)|stageVariables|context)\.[^,\s]+)*$/,
    source: `${APIGW_API}/API_CreateAuthorizer.html`,
  },
} as const;

export const BEDROCK = {
  inference: {
    maxTokensMin: 1,
    temperature: { min: 0, max: 1 },
    source: `${DOCS}/bedrock/latest/APIReference/API_runtime_InferenceConfiguration.html`,
  },
  guardrail: {
    identifierMaxChars: 2048,
    idPattern: /^[a-z0-9]+$/,
    versionPattern: /^(DRAFT|[1-9][0-9]{0,7})$/,
    source: `${DOCS}/bedrock/latest/APIReference/API_runtime_GuardrailStreamConfiguration.html`,
  },
} as const;

export const IAM = {
  /** Role names and paths; a role ARN is `arn:<partition>:iam::<account>:role<path><name>`. */
  role: {
    nameMaxChars: 64,
    pathMaxChars: 512,
    source: `${DOCS}/IAM/latest/UserGuide/reference_iam-quotas.html`,
  },
  /**
   * IAM counts policy characters without whitespace; the program writes JSON without whitespace,
   * so a document's length is what IAM counts.
   */
  roleInlinePolicies: {
    maxChars: 10240,
    source: `${DOCS}/IAM/latest/UserGuide/reference_iam-quotas.html`,
  },
  trustPolicy: {
    maxChars: 2048,
    source: `${DOCS}/IAM/latest/UserGuide/reference_iam-quotas.html`,
  },
} as const;

export const CLOUDWATCH = {
  logRetentionDays: {
    values: [
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
      3288, 3653,
    ],
    source: `${DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html`,
  },
  dashboardName: {
    maxChars: 255,
    pattern: /^[A-Za-z0-9_-]{1,255}$/,
    source: `${DOCS}/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html`,
  },
  logGroupName: {
    maxChars: 512,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    source: `${DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html`,
  },
} as const;

export const WAF = {
  rateLimit: {
    min: 10,
    max: 2000000000,
    source: `${DOCS}/waf/latest/APIReference/API_RateBasedStatement.html`,
  },
} as const;

export const ECR = {
  repositoryName: {
    maxChars: 256,
    source: `${DOCS}/AmazonECR/latest/APIReference/API_CreateRepository.html`,
  },
  imageTag: { maxChars: 300, source: `${DOCS}/AmazonECR/latest/APIReference/API_PutImage.html` },
} as const;

export const SNS = {
  topicName: {
    pattern: /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    source: `${DOCS}/sns/latest/api/API_CreateTopic.html`,
  },
} as const;

export const ROUTE53 = {
  hostedZoneId: { maxChars: 32, source: `${DOCS}/Route53/latest/APIReference/API_HostedZone.html` },
} as const;

/** Tags on every resource: the stack's `project` and `stack` names. */
export const TAGS = {
  keyMaxChars: 128,
  valueMaxChars: 256,
  source: `${APIGW_API}/API_CreateStage.html`,
} as const;

/**
 * The longest names AWS can give what the stack creates, for sizing documents before anything
 * exists. Partition and region are the longest that can appear: `aws-us-gov` is the longest
 * partition (IAM ARN reference), and Bedrock's own ARN patterns bound a region to 20 characters,
 * more than any region has.
 */
const LONGEST_PARTITION = "aws-us-gov";
const LONGEST_REGION = "x".repeat(20);
const ACCOUNT = "0".repeat(12);
/** A runtime's ARN is `runtime/<id>`, here with the id as long as its pattern allows. */
const LONGEST_RUNTIME_ARN = `arn:${LONGEST_PARTITION}:bedrock-agentcore:${LONGEST_REGION}:${ACCOUNT}:runtime/${"r".repeat(AGENTCORE.runtimeId.maxChars - 11)}-${"0".repeat(10)}`;

export const LONGEST = {
  partition: LONGEST_PARTITION,
  region: LONGEST_REGION,
  runtimeArn: LONGEST_RUNTIME_ARN,
  /** An endpoint's ARN is its runtime's, then `/runtime-endpoint/<name>`. */
  endpointArn: `${LONGEST_RUNTIME_ARN}/runtime-endpoint/${"e".repeat(AGENTCORE.endpointName.maxChars)}`,
  /** An image built from agent/: its repository's name is generated, so it is sized at ECR's maximum. */
  imageUri: `${ACCOUNT}.dkr.ecr.${LONGEST_REGION}.amazonaws.com/${"a".repeat(ECR.repositoryName.maxChars)}@sha256:${"0".repeat(64)}`,
  /** The proxy's role has a generated name and no path. */
  proxyRoleArn: `arn:${LONGEST_PARTITION}:iam::${ACCOUNT}:role/${"p".repeat(IAM.role.nameMaxChars)}`,
  source: `${DOCS}/IAM/latest/UserGuide/reference-arns.html`,
} as const;
