import * as aws from "@pulumi/aws";
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PACK_NAME, packArgs, policies } from "../../policy/pack";
import { T } from "../../policy/lib/types";
import { isResourcePolicy, isStackPolicy } from "./helpers";

const MANDATORY = [
  "agentcore-runtime-iam-auth-only",
  "agentcore-resource-policy-no-public-principal",
  "agentcore-runtime-fronted",
  "agentcore-no-public-wrapper",
  "agentcore-gateway-authorized",
  "lambda-no-function-url",
  "lambda-permission-apigateway-only",
  "lambda-no-event-source-mapping",
  "lambda-no-deploy-invocation",
  "lambda-no-identity-invoke-grant",
  "lambda-no-gateway-target",
];

describe("the policy pack", () => {
  it("has a valid name and every policy once, kebab-case", () => {
    assert.match(PACK_NAME, /^[a-zA-Z0-9-_.]{1,100}$/);
    const names = policies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) {
      assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)+$/);
      assert.notEqual(name, "all");
    }
  });

  it("makes exactly the isolation policies mandatory, the streaming ones advisory", () => {
    const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.name);
    assert.deepEqual(mandatory.sort(), [...MANDATORY].sort());
    for (const p of policies.filter((p) => !MANDATORY.includes(p.name))) {
      assert.equal(p.enforcementLevel, "advisory", p.name);
    }
  });

  it("describes every policy: description, severity, remediation steps, tags", () => {
    for (const p of policies) {
      assert.ok(p.description.length > 40 && /[.:]/.test(p.description), p.name);
      assert.ok(p.severity, p.name);
      assert.ok(p.remediationSteps && p.remediationSteps.length > 20, p.name);
      assert.ok(p.tags && p.tags.length > 0, p.name);
      assert.ok(isResourcePolicy(p) !== isStackPolicy(p), `${p.name} is exactly one kind`);
    }
  });

  it("declares config schemas the analyzer accepts, with defaults", () => {
    for (const p of policies) {
      if (!p.configSchema) continue;
      assert.equal(p.configSchema.properties.enforcementLevel, undefined, p.name);
      assert.ok(!(p.configSchema.required ?? []).includes("enforcementLevel"), p.name);
      for (const [key, schema] of Object.entries(p.configSchema.properties)) {
        assert.ok(schema.type && schema.description && "default" in schema, `${p.name}.${key}`);
      }
    }
  });

  it("is described by PulumiPolicy.yaml and a versioned package.json", () => {
    const yaml = readFileSync(
      path.join(__dirname, "..", "..", "policy", "PulumiPolicy.yaml"),
      "utf8",
    );
    assert.match(yaml, /^runtime: nodejs$/m);
    const pkg = JSON.parse(
      readFileSync(path.join(__dirname, "..", "..", "policy", "package.json"), "utf8"),
    ) as {
      version: string;
      dependencies: Record<string, string>;
    };
    assert.match(pkg.version, /^\d+\.\d+\.\d+/);
    assert.ok(pkg.dependencies["@pulumi/policy"]);
    assert.ok(packArgs.description);
  });
});

describe("policy/README.md", () => {
  it("names only files and folders that exist (relative to policy/ or the repository)", () => {
    const repo = path.join(__dirname, "..", "..");
    const readme = readFileSync(path.join(repo, "policy", "README.md"), "utf8");
    const named = [...readme.matchAll(/`((?:\.github|config|lib|test|examples)\/[^`*<>]*)`/g)].map(
      (m) => m[1],
    );
    assert.ok(named.includes(".github/workflows/pull-request.yml"), named.join());
    for (const name of named) {
      assert.ok(
        [path.join(repo, "policy", name), path.join(repo, name)].some((p) => existsSync(p)),
        `policy/README.md names ${name}, which does not exist`,
      );
    }
  });
});

describe("the pack's view of @pulumi/aws", () => {
  const classes: Record<keyof typeof T, unknown> = {
    agentRuntime: aws.bedrock.AgentcoreAgentRuntime,
    agentRuntimeEndpoint: aws.bedrock.AgentcoreAgentRuntimeEndpoint,
    agentcoreResourcePolicy: aws.bedrock.AgentcoreResourcePolicy,
    agentcoreGateway: aws.bedrock.AgentcoreGateway,
    agentcoreGatewayTarget: aws.bedrock.AgentcoreGatewayTarget,
    lambdaFunction: aws.lambda.Function,
    lambdaFunctionUrl: aws.lambda.FunctionUrl,
    lambdaPermission: aws.lambda.Permission,
    lambdaEventSourceMapping: aws.lambda.EventSourceMapping,
    lambdaInvocation: aws.lambda.Invocation,
    restApi: aws.apigateway.RestApi,
    restApiPut: aws.apigateway.RestApiPut,
    restApiIntegration: aws.apigateway.Integration,
    restApiMethod: aws.apigateway.Method,
    httpApi: aws.apigatewayv2.Api,
    httpApiIntegration: aws.apigatewayv2.Integration,
    cloudfrontDistribution: aws.cloudfront.Distribution,
    cloudfrontMultitenantDistribution: aws.cloudfront.MultitenantDistribution,
    iamPolicy: aws.iam.Policy,
    iamRolePolicy: aws.iam.RolePolicy,
    iamUserPolicy: aws.iam.UserPolicy,
    iamGroupPolicy: aws.iam.GroupPolicy,
    iamRole: aws.iam.Role,
    iamRolePolicyAttachment: aws.iam.RolePolicyAttachment,
  };

  for (const [key, cls] of Object.entries(classes)) {
    it(`uses the installed provider's type token for ${key}`, () => {
      assert.equal((cls as { __pulumiType: string }).__pulumiType, T[key as keyof typeof T]);
    });
  }

  it("reads only properties the provider declares (checked by the type checker)", () => {
    // Each entry fails `tsc` if @pulumi/aws renames or drops the property a policy reads.
    type Reads<TArgs, K extends keyof TArgs> = K[];
    const reads = [
      ["authorizerConfiguration", "agentRuntimeName"] satisfies Reads<
        aws.bedrock.AgentcoreAgentRuntimeArgs,
        "authorizerConfiguration" | "agentRuntimeName"
      >,
      ["agentRuntimeArn"] satisfies Reads<
        aws.bedrock.AgentcoreAgentRuntimeState,
        "agentRuntimeArn"
      >,
      ["resourceArn", "policy"] satisfies Reads<
        aws.bedrock.AgentcoreResourcePolicyArgs,
        "resourceArn" | "policy"
      >,
      ["functionName", "authorizationType"] satisfies Reads<
        aws.lambda.FunctionUrlArgs,
        "functionName" | "authorizationType"
      >,
      ["principal", "sourceArn", "action", "function"] satisfies Reads<
        aws.lambda.PermissionArgs,
        "principal" | "sourceArn" | "action" | "function"
      >,
      ["arn", "timeout", "role", "tags", "name"] satisfies Reads<
        aws.lambda.FunctionState,
        "arn" | "timeout" | "role" | "tags" | "name"
      >,
      ["functionName"] satisfies Reads<aws.lambda.EventSourceMappingArgs, "functionName">,
      ["functionName"] satisfies Reads<aws.lambda.InvocationArgs, "functionName">,
      ["authorizerType"] satisfies Reads<aws.bedrock.AgentcoreGatewayArgs, "authorizerType">,
      ["gatewayId", "gatewayArn"] satisfies Reads<
        aws.bedrock.AgentcoreGatewayState,
        "gatewayId" | "gatewayArn"
      >,
      ["gatewayIdentifier", "targetConfiguration"] satisfies Reads<
        aws.bedrock.AgentcoreGatewayTargetArgs,
        "gatewayIdentifier" | "targetConfiguration"
      >,
      ["body"] satisfies Reads<aws.apigateway.RestApiPutArgs, "body">,
      ["body", "target"] satisfies Reads<aws.apigatewayv2.ApiArgs, "body" | "target">,
      ["origins"] satisfies Reads<aws.cloudfront.MultitenantDistributionArgs, "origins">,
      ["role", "policyArn"] satisfies Reads<aws.iam.RolePolicyAttachmentArgs, "role" | "policyArn">,
      ["arn", "policy"] satisfies Reads<aws.iam.PolicyState, "arn" | "policy">,
      ["type", "uri", "responseTransferMode", "timeoutMilliseconds", "restApi"] satisfies Reads<
        aws.apigateway.IntegrationArgs,
        "type" | "uri" | "responseTransferMode" | "timeoutMilliseconds" | "restApi"
      >,
      ["endpointConfiguration", "minimumCompressionSize", "body"] satisfies Reads<
        aws.apigateway.RestApiArgs,
        "endpointConfiguration" | "minimumCompressionSize" | "body"
      >,
      ["authorization", "apiKeyRequired", "httpMethod", "restApi"] satisfies Reads<
        aws.apigateway.MethodArgs,
        "authorization" | "apiKeyRequired" | "httpMethod" | "restApi"
      >,
      ["integrationUri"] satisfies Reads<aws.apigatewayv2.IntegrationArgs, "integrationUri">,
      ["origins"] satisfies Reads<aws.cloudfront.DistributionArgs, "origins">,
      ["policy"] satisfies Reads<aws.iam.RolePolicyArgs, "policy">,
      ["inlinePolicies"] satisfies Reads<aws.iam.RoleArgs, "inlinePolicies">,
    ];
    assert.ok(reads.length > 0);
    const jwt: keyof aws.types.input.bedrock.AgentcoreAgentRuntimeAuthorizerConfiguration =
      "customJwtAuthorizer";
    const origin: keyof aws.types.input.cloudfront.DistributionOrigin = "domainName";
    const types: keyof aws.types.input.apigateway.RestApiEndpointConfiguration = "types";
    assert.deepEqual([jwt, origin, types], ["customJwtAuthorizer", "domainName", "types"]);
    // The nested paths the gateway and multi-tenant checks read.
    type Config = aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfiguration;
    const nested = [
      "arn" satisfies keyof aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfigurationHttpAgentcoreRuntime,
      "endpoint" satisfies keyof aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfigurationHttpPassthrough,
      "endpoint" satisfies keyof aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfigurationMcpMcpServer,
      "lambdaArn" satisfies keyof aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfigurationMcpLambda,
      "payload" satisfies keyof aws.types.input.bedrock.AgentcoreGatewayTargetTargetConfigurationMcpOpenApiSchemaInlinePayload,
      "domainName" satisfies keyof aws.types.input.cloudfront.MultitenantDistributionOrigin,
      ["http", "mcp"] as const satisfies readonly (keyof Config)[],
    ];
    assert.equal(nested.length, 7);
  });
});
