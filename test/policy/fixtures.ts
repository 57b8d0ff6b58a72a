import { T } from "../../policy/lib/types";
import { resource, TestResource, urnOf } from "./helpers";

/** Realistic property bags for the resources the pack looks at, shaped as @pulumi/aws v7 sends them. */

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const RUNTIME_ID = "agent_stream-AbCdEf1234";
export const RUNTIME_ARN = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:runtime/${RUNTIME_ID}`;
export const ENDPOINT_ARN = `${RUNTIME_ARN}/runtime-endpoint/live`;
export const PROXY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/proxy-role-1a2b3c`;
export const OPERATOR_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/operator`;
export const API_ID = "a1b2c3d4e5";
export const EXECUTION_ARN = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}`;
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:proxy-fn-7f3e2a1`;
export const INVOKE_URI = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`;
export const STREAMING_URI = `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/${FUNCTION_ARN}/response-streaming-invocations`;

export const INVOKE = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:InvokeAgentRuntimeForUser",
];
/** Every way into a runtime's sessions, by its prefix, as the shipped program denies it. */
export const FAMILY = "bedrock-agentcore:InvokeAgentRuntime*";

export type Doc = { Version: string; Statement: Record<string, unknown>[] };

export function doc(...statements: Record<string, unknown>[]): Doc {
  return { Version: "2012-10-17", Statement: statements };
}

export const allowNamed = (resourceArn: string, roles = [PROXY_ROLE_ARN]) => ({
  Sid: "AllowNamedInvokers",
  Effect: "Allow",
  Principal: { AWS: roles },
  Action: INVOKE,
  Resource: resourceArn,
});

export const denyOthers = (resourceArn: string, roles = [PROXY_ROLE_ARN]) => ({
  Sid: "DenyEveryoneElse",
  Effect: "Deny",
  Principal: "*",
  Action: FAMILY,
  Resource: resourceArn,
  Condition: { ArnNotEquals: { "aws:PrincipalArn": roles } },
});

/** The resource policy the shipped program writes: an Allow for named roles, a Deny for everyone else. */
export function closedPolicy(resourceArn: string, roles = [PROXY_ROLE_ARN]): string {
  return JSON.stringify(doc(allowNamed(resourceArn, roles), denyOthers(resourceArn, roles)));
}

export function runtimeProps(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agentRuntimeName: "agent_stream",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/runtime-role`,
    agentRuntimeArtifact: {
      containerConfiguration: {
        containerUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/agent@sha256:${"0".repeat(64)}`,
      },
    },
    networkConfiguration: { networkMode: "PUBLIC" },
    protocolConfiguration: { serverProtocol: "HTTP" },
    ...overrides,
  };
}

export function runtime(
  name = "agent-runtime",
  overrides: Record<string, unknown> = {},
): TestResource {
  return resource(T.agentRuntime, name, {
    ...runtimeProps(),
    agentRuntimeArn: RUNTIME_ARN,
    agentRuntimeId: RUNTIME_ID,
    ...overrides,
  });
}

export function endpoint(
  name = "agent-endpoint",
  runtimeUrn = urnOf(T.agentRuntime, "agent-runtime"),
): TestResource {
  return resource(
    T.agentRuntimeEndpoint,
    name,
    { name: "live", agentRuntimeId: RUNTIME_ID, agentRuntimeEndpointArn: ENDPOINT_ARN },
    { dependencies: [runtimeUrn], propertyDependencies: { agentRuntimeId: [runtimeUrn] } },
  );
}

export function resourcePolicy(
  name: string,
  props: { resourceArn: unknown; policy: unknown },
  extra: Partial<Pick<TestResource, "dependencies" | "propertyDependencies">> = {},
): TestResource {
  return resource(T.agentcoreResourcePolicy, name, props, extra);
}

export function restApi(name = "api", overrides: Record<string, unknown> = {}): TestResource {
  return resource(T.restApi, name, {
    name: "agentcore-stream",
    endpointConfiguration: { types: "REGIONAL" },
    id: API_ID,
    executionArn: EXECUTION_ARN,
    ...overrides,
  });
}

export function integration(
  name = "integration",
  overrides: Record<string, unknown> = {},
  extra: Partial<Pick<TestResource, "dependencies" | "propertyDependencies">> = {},
): TestResource {
  return resource(
    T.restApiIntegration,
    name,
    {
      restApi: API_ID,
      resourceId: "res123",
      httpMethod: "POST",
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: STREAMING_URI,
      responseTransferMode: "STREAM",
      timeoutMilliseconds: 900000,
      ...overrides,
    },
    extra,
  );
}

export function lambdaFunction(
  name = "proxy-fn",
  overrides: Record<string, unknown> = {},
): TestResource {
  return resource(T.lambdaFunction, name, {
    name: "proxy-fn-7f3e2a1",
    arn: FUNCTION_ARN,
    runtime: "nodejs24.x",
    timeout: 900,
    ...overrides,
  });
}

export function method(
  name = "method",
  overrides: Record<string, unknown> = {},
  extra: Partial<Pick<TestResource, "dependencies" | "propertyDependencies">> = {},
): TestResource {
  return resource(
    T.restApiMethod,
    name,
    {
      restApi: API_ID,
      resourceId: "res123",
      httpMethod: "POST",
      authorization: "AWS_IAM",
      ...overrides,
    },
    extra,
  );
}

export const PROXY_ROLE_NAME = "proxy-role-1a2b3c";

/** The proxy's role, its grant to invoke the runtime, and its function: a protected function. */
export function proxyFunction(
  overrides: { grant?: unknown; tags?: Record<string, string>; role?: unknown } = {},
): TestResource[] {
  const role = resource(T.iamRole, "proxy-role", {
    name: PROXY_ROLE_NAME,
    arn: PROXY_ROLE_ARN,
    id: PROXY_ROLE_NAME,
    assumeRolePolicy: JSON.stringify(
      doc({
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    ),
  });
  const grant =
    overrides.grant ??
    JSON.stringify(doc({ Effect: "Allow", Action: INVOKE, Resource: [RUNTIME_ARN, ENDPOINT_ARN] }));
  const rolePolicy = resource(
    T.iamRolePolicy,
    "proxy-role-policy",
    { role: PROXY_ROLE_NAME, policy: grant },
    { dependencies: [role.urn!] },
  );
  const fn = lambdaFunction("proxy-fn", {
    role: overrides.role ?? PROXY_ROLE_ARN,
    ...(overrides.tags ? { tags: overrides.tags } : {}),
  });
  fn.dependencies = [role.urn!, rolePolicy.urn!];
  return [role, rolePolicy, fn];
}
