// The environment a test or benchmark gives the agent process. No imports, so the root package's
// benchmark (CommonJS) can use it as well as the agent's tests (ES modules).

/**
 * The child's whole environment: nothing is inherited, so the host's AWS profile, credentials or
 * region can never leak into a test. Credentials are dummies; the stand-in does not check them.
 */
export function agentEnv(
  standinEndpoint: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDSTANDIN",
    AWS_SECRET_ACCESS_KEY: "standin-secret",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: standinEndpoint,
    MODEL_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ...extra,
  };
}
