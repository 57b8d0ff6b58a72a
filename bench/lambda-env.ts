import { PROXY_NODE_OPTIONS } from "../handler/node-options";
import { PROXY_METRICS_NAMESPACE, PROXY_SERVICE_NAME } from "../handler/telemetry";
import { functionEnvironment } from "../local/lambda-host";

/**
 * The proxy function's environment as Lambda gives it (the runtime's reserved variables, from the
 * local hosts' `functionEnvironment`) and as the Pulumi component configures it
 * (components/streamingProxy.ts), with static fake credentials and nothing of this machine's AWS
 * setup. For the benchmark's child processes, so also PATH, TZ and LANG as the runtime sets them.
 */
export function lambdaEnv(
  bundleFile: string,
  more: Record<string, string> = {},
): Record<string, string> {
  const env = functionEnvironment(bundleFile, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBENCH00000000000",
    AWS_SECRET_ACCESS_KEY: "bench-secret-key",
    AWS_SESSION_TOKEN: "bench-session-token",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AGENT_RUNTIME_ARN:
      "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/agentcore_stream-Ab12Cd34Ef",
    AGENT_RUNTIME_QUALIFIER: "DEFAULT",
    HEARTBEAT_MS: "15000",
    MAX_BODY_BYTES: "262144",
    CORS_ALLOWED_ORIGINS: "",
    POWERTOOLS_SERVICE_NAME: PROXY_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: PROXY_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: "INFO",
    NODE_OPTIONS: PROXY_NODE_OPTIONS,
    ...more,
  });
  const defined: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
  };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) defined[key] = value;
  return defined;
}
