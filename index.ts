import * as pulumi from "@pulumi/pulumi";
import {
  AgentImage,
  AgentRuntime,
  ApiAuth,
  ApiDomain,
  ApiFirewall,
  ApiKeyAccess,
  CognitoUsers,
  loadStackConfig,
  Monitoring,
  StreamingApi,
  StreamingProxy,
} from "./components";

const config = loadStackConfig();
const tags = { project: pulumi.getProject(), stack: pulumi.getStack() };

// The agent: its image (built from agent/, or your own) and the AgentCore runtime that runs it.
const image = new AgentImage("agent", {
  imageUri: config.agentImageUri,
  forceDelete: config.ecrForceDelete,
});

const runtime = new AgentRuntime("agent", {
  imageUri: image.imageUri,
  runtimeName: config.runtimeName,
  endpointName: config.endpointName,
  modelId: config.modelId,
  modelRegion: config.modelRegion,
  maxTokens: config.maxTokens,
  temperature: config.temperature,
  // A prompt file in the image replaces the inline prompt (which has a default).
  ...(config.systemPromptFile !== undefined
    ? { systemPromptFile: config.systemPromptFile }
    : { systemPrompt: config.systemPrompt }),
  guardrail: config.guardrail,
  network: config.network,
  idleTimeoutSeconds: config.idleTimeoutSeconds,
  maxLifetimeSeconds: config.maxLifetimeSeconds,
  tags,
});

// The proxy: the only principal (besides named operators) the runtime lets in.
const proxy = new StreamingProxy("proxy", {
  runtimeArn: runtime.runtimeArn,
  endpointArn: runtime.endpointArn,
  qualifier: runtime.endpointName,
  timeoutSeconds: config.proxyTimeoutSeconds,
  memoryMb: config.proxyMemoryMb,
  heartbeatMs: config.heartbeatMs,
  maxBodyBytes: config.maxBodyBytes,
  logLevel: config.logLevel,
  logRetentionDays: config.logRetentionDays,
  corsAllowedOrigins: config.corsAllowedOrigins,
  tracing: config.tracing,
  tags,
});
runtime.restrictInvokeTo([proxy.roleArn, ...config.operatorRoleArns]);

// The front door.
let users: CognitoUsers | undefined;
const auth = ((): ApiAuth => {
  switch (config.auth.mode) {
    case "cognito": {
      const userPoolArn =
        config.auth.userPoolArn ?? (users = new CognitoUsers("users", { tags })).userPoolArn;
      return { mode: "cognito", userPoolArns: [userPoolArn], scopes: config.auth.scopes };
    }
    case "lambda":
      return {
        mode: "lambda",
        functionArn: config.auth.functionArn,
        identitySource: config.auth.identitySource,
        resultTtlSeconds: config.auth.resultTtlSeconds,
      };
    default:
      return { mode: config.auth.mode };
  }
})();

const api = new StreamingApi("api", {
  functionArn: proxy.functionArn,
  responseStreamingInvokeArn: proxy.responseStreamingInvokeArn,
  timeoutMilliseconds: config.integrationTimeoutMs,
  stageName: config.stageName,
  throttle: config.throttle,
  routeThrottle: config.routeThrottle,
  auth,
  corsAllowedOrigins: config.corsAllowedOrigins,
  logRetentionDays: config.logRetentionDays,
  manageAccountLogging: config.manageApiGatewayAccount,
  tracing: config.tracing,
  tags,
});

const keys =
  config.auth.mode === "apiKey"
    ? new ApiKeyAccess("clients", {
        restApiId: api.restApiId,
        stageName: api.stageName,
        rateLimit: config.usagePlan.rateLimit,
        burstLimit: config.usagePlan.burstLimit,
        quota:
          config.usagePlan.quotaLimit !== undefined && config.usagePlan.quotaPeriod !== undefined
            ? { limit: config.usagePlan.quotaLimit, period: config.usagePlan.quotaPeriod }
            : undefined,
        tags,
      })
    : undefined;

const domain = config.customDomain
  ? new ApiDomain("domain", {
      ...config.customDomain,
      restApiId: api.restApiId,
      stageName: api.stageName,
      tags,
    })
  : undefined;

if (config.waf) {
  new ApiFirewall("firewall", { stageArn: api.stageArn, ...config.waf, tags });
}

const monitoring = new Monitoring("monitoring", {
  apiName: api.restApiName,
  stageName: api.stageName,
  functionName: proxy.functionName,
  runtimeName: config.runtimeName,
  alarmTopicArn: config.alarms?.snsTopicArn,
  p99LatencyMs: config.alarms?.p99LatencyMs,
  dashboard: config.dashboard,
});

const baseUrl = domain ? domain.url : api.url;
const authHeader: Record<ApiAuth["mode"], string> = {
  apiKey: ` -H "x-api-key: $(pulumi stack output apiKey --show-secrets)"`,
  cognito: ` -H "authorization: $ID_TOKEN"`,
  lambda: ` -H "authorization: $TOKEN"`,
  iam: " --aws-sigv4 aws:amz:$AWS_REGION:execute-api --user $AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY",
  none: "",
};

export const invokeUrl = pulumi.interpolate`${baseUrl}/invoke`;
export const curlCommand = pulumi.interpolate`curl --no-buffer -X POST ${baseUrl}/invoke -H 'content-type: application/json'${authHeader[auth.mode]} -d '{"prompt":"Hello!"}'`;
export const apiKey = keys?.apiKeyValue;
export const userPoolId = users?.userPoolId;
export const userPoolClientId = users?.clientId;
export const runtimeArn = runtime.runtimeArn;
export const runtimeEndpointName = runtime.endpointName;
export const functionName = proxy.functionName;
export const proxyLogGroupName = proxy.logGroupName;
export const accessLogGroupName = api.accessLogGroupName;
export const runtimeLogGroupPrefix = runtime.logGroupPrefix;
export const agentImageUri = image.imageUri;
export const dashboardName = monitoring.dashboardName;
