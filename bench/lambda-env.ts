import * as path from "node:path";
import { PROXY_NODE_OPTIONS } from "../handler/node-options";

/**
 * The proxy function's environment as Lambda gives it (runtime variables, as lambda-host.ts sets
 * them) and as the Pulumi component configures it (components/streamingProxy.ts), with static
 * fake credentials and nothing of this machine's AWS setup.
 */

export function lambdaEnv(
  bundleFile: string,
  more: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "agentcore-stream-proxy",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    LAMBDA_TASK_ROOT: path.dirname(bundleFile),
    _HANDLER: "index.handler",
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
    POWERTOOLS_SERVICE_NAME: "agentcore-stream-proxy",
    POWERTOOLS_METRICS_NAMESPACE: "AgentcoreStream",
    POWERTOOLS_LOG_LEVEL: "INFO",
    NODE_OPTIONS: PROXY_NODE_OPTIONS,
    ...more,
  };
}
