import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PROXY_NODE_OPTIONS } from "../../handler/node-options";
import { mockImageDigest } from "../support/mocks";
import {
  CapturedResource,
  ofType,
  ProgramRun,
  runProgram,
  runProgramFull,
} from "../support/run-program";

/* eslint-disable @typescript-eslint/no-explicit-any */

const T = {
  runtime: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
  endpoint: "aws:bedrock/agentcoreAgentRuntimeEndpoint:AgentcoreAgentRuntimeEndpoint",
  resourcePolicy: "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  fn: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  integration: "aws:apigateway/integration:Integration",
  method: "aws:apigateway/method:Method",
  restApi: "aws:apigateway/restApi:RestApi",
  deployment: "aws:apigateway/deployment:Deployment",
  stage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  image: "awsx:ecr:Image",
  repository: "awsx:ecr:Repository",
};

/** An ECR image URI that names a digest: what AgentCore needs to roll out every new image. */
const BY_DIGEST =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/;

const one = (resources: CapturedResource[], type: string, name?: string) => {
  const matches = ofType(resources, type).filter((r) => name === undefined || r.name === name);
  assert.equal(matches.length, 1, `expected exactly one ${type}${name ? ` named ${name}` : ""}`);
  return matches[0];
};

const containerUriOf = (resources: CapturedResource[]): string =>
  one(resources, T.runtime).inputs.agentRuntimeArtifact.containerConfiguration.containerUri;

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[] | string;
  Resource?: string | string[];
  Principal?: any;
  Condition?: any;
}
const statementsOf = (json: string): Statement[] => JSON.parse(json).Statement as Statement[];
const asList = <X>(value: X | X[] | undefined): X[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every IAM-style document the program writes, with where it came from. */
function allPolicyDocuments(
  resources: CapturedResource[],
): { from: string; statements: Statement[] }[] {
  const documents: { from: string; statements: Statement[] }[] = [];
  for (const r of resources) {
    if (r.type === T.role)
      documents.push({
        from: `${r.name} trust`,
        statements: statementsOf(r.inputs.assumeRolePolicy),
      });
    if (r.type === T.rolePolicy || r.type === T.resourcePolicy) {
      documents.push({ from: r.name, statements: statementsOf(r.inputs.policy) });
    }
  }
  return documents;
}

/** Actions AWS offers no resource scoping for: the only ones allowed a `*` resource. */
const UNSCOPABLE_ACTIONS = new Set([
  "ecr:GetAuthorizationToken",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "cloudwatch:PutMetricData",
]);

describe("the program under mocks (dev stack)", function () {
  this.timeout(120000);
  let run: ProgramRun;
  let resources: CapturedResource[];

  before(async () => {
    run = await runProgramFull();
    resources = run.resources;
  });

  describe("components", () => {
    it("registers each component under its type token", () => {
      const components = resources.filter(
        (r) => !r.custom && r.type.startsWith("agentcore-stream:"),
      );
      assert.deepEqual([...new Set(components.map((c) => c.type))].sort(), [
        "agentcore-stream:index:AgentImage",
        "agentcore-stream:index:AgentRuntime",
        "agentcore-stream:index:AgentRuntimeAccess",
        "agentcore-stream:index:ApiKeyAccess",
        "agentcore-stream:index:Monitoring",
        "agentcore-stream:index:StreamingApi",
        "agentcore-stream:index:StreamingProxy",
      ]);
    });

    it("parents every resource to a component and prefixes its name with the component's", () => {
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      for (const r of resources) {
        if (r.type.startsWith("agentcore-stream:") && r.parent === "") continue;
        const parent = byUrn.get(r.parent ?? "");
        assert.ok(parent, `${r.type} ${r.name} has no component parent`);
        assert.ok(
          r.name.startsWith(`${parent.name}-`),
          `${r.name} is not prefixed by ${parent.name}`,
        );
      }
    });
  });

  describe("the agent image", () => {
    it("builds agent/ for linux/arm64 into an immutable, scanned repository with a lifecycle rule", () => {
      const image = one(resources, T.image);
      assert.equal(image.inputs.platform, "linux/arm64");
      assert.equal(path.resolve(image.inputs.context), path.resolve(__dirname, "../../agent"));
      assert.match(image.inputs.imageTag, /^src-[0-9a-f]{16}$/);
      const repository = one(resources, T.repository);
      assert.equal(repository.inputs.imageTagMutability, "IMMUTABLE");
      assert.deepEqual(repository.inputs.imageScanningConfiguration, { scanOnPush: true });
      assert.equal(repository.inputs.forceDelete, true, "Pulumi.dev.yaml sets ecrForceDelete");
      assert.equal(repository.inputs.lifecyclePolicy.rules[0].maximumNumberOfImages, 10);
    });

    it("runs the image awsx built, by the digest awsx reports", () => {
      const image = one(resources, T.image);
      assert.match(image.outputs.imageUri, BY_DIGEST);
      assert.equal(containerUriOf(resources), image.outputs.imageUri);
    });
  });

  describe("the AgentCore runtime", () => {
    it("has a valid, stable name and IAM-only inbound auth", () => {
      const runtime = one(resources, T.runtime);
      assert.equal(runtime.inputs.agentRuntimeName, "agentcore_stream_dev");
      assert.match(runtime.inputs.agentRuntimeName, /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/);
      assert.equal(runtime.inputs.authorizerConfiguration, undefined);
      assert.deepEqual(runtime.inputs.networkConfiguration, { networkMode: "PUBLIC" });
    });

    it("passes the model settings and lifecycle from config", () => {
      const runtime = one(resources, T.runtime);
      assert.deepEqual(runtime.inputs.environmentVariables, {
        MODEL_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        MODEL_REGION: "us-east-1",
        MAX_TOKENS: "4096",
        TEMPERATURE: "0.7",
        SYSTEM_PROMPT: "You are a helpful assistant. Answer concisely.",
      });
      assert.deepEqual(runtime.inputs.lifecycleConfigurations, [
        { idleRuntimeSessionTimeout: 600, maxLifetime: 28800 },
      ]);
    });

    it("creates the execution role policy before the runtime", () => {
      const runtime = one(resources, T.runtime);
      const policy = one(resources, T.rolePolicy, "agent-role-policy");
      assert.ok(
        runtime.dependencies.includes(policy.urn),
        "the runtime does not depend on its role policy",
      );
    });

    it("trusts only bedrock-agentcore from this account", () => {
      const role = one(resources, T.role, "agent-role");
      const [trust] = statementsOf(role.inputs.assumeRolePolicy);
      assert.deepEqual(trust.Principal, { Service: "bedrock-agentcore.amazonaws.com" });
      assert.deepEqual(trust.Condition, {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnLike: { "aws:SourceArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:*" },
      });
    });

    it("lets the agent pull only its own repository and call only the configured model", () => {
      const statements = statementsOf(
        one(resources, T.rolePolicy, "agent-role-policy").inputs.policy,
      );
      const pull = statements.find((s) => s.Sid === "PullAgentImage")!;
      const repoName = one(resources, T.repository).outputs.url.split("/").pop();
      assert.equal(pull.Resource, `arn:aws:ecr:us-east-1:123456789012:repository/${repoName}`);
      const models = statements.filter((s) =>
        asList(s.Action).some((a) => a.startsWith("bedrock:")),
      );
      assert.deepEqual(
        models.flatMap((s) => asList(s.Resource)),
        [
          "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
          "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        ],
      );
      const metrics = statements.find((s) => s.Sid === "RuntimeMetrics")!;
      assert.deepEqual(metrics.Condition, {
        StringEquals: { "cloudwatch:namespace": "bedrock-agentcore" },
      });
      const logs = statements.filter((s) => s.Sid.startsWith("RuntimeLog"));
      for (const s of logs)
        assert.match(String(s.Resource), /log-group:\/aws\/bedrock-agentcore\/runtimes\/\*/);
    });

    it("pins the endpoint to the runtime's version", () => {
      const endpoint = one(resources, T.endpoint);
      assert.equal(endpoint.inputs.name, "live");
      assert.equal(endpoint.inputs.agentRuntimeVersion, "1");
    });
  });

  describe("the resource policies", () => {
    it("close the runtime and its endpoint to everyone but the proxy role", () => {
      const policies = ofType(resources, T.resourcePolicy);
      const runtime = one(resources, T.runtime);
      const endpoint = one(resources, T.endpoint);
      assert.deepEqual(
        policies.map((p) => p.inputs.resourceArn).sort(),
        [runtime.outputs.agentRuntimeArn, endpoint.outputs.agentRuntimeEndpointArn].sort(),
      );
      const proxyRole = one(resources, T.role, "proxy-role").outputs.arn;
      for (const policy of policies) {
        const [allow, deny] = statementsOf(policy.inputs.policy);
        assert.equal(allow.Effect, "Allow");
        assert.deepEqual(allow.Principal, { AWS: [proxyRole] });
        assert.equal(allow.Resource, policy.inputs.resourceArn);
        assert.equal(deny.Effect, "Deny");
        assert.equal(deny.Principal, "*");
        // The whole invocation family (invoke, WebSocket, commands, shells), by its prefix.
        assert.deepEqual(asList(deny.Action), ["bedrock-agentcore:InvokeAgentRuntime*"]);
        assert.deepEqual(deny.Condition, { ArnNotEquals: { "aws:PrincipalArn": [proxyRole] } });
      }
    });
  });

  describe("IAM", () => {
    // A wildcard in a Deny widens what is refused (the resource policies deny the whole
    // InvokeAgentRuntime* family): only grants must name their actions one by one.
    it("grants no `*` action anywhere", () => {
      for (const { from, statements } of allPolicyDocuments(resources)) {
        for (const s of statements.filter((st) => st.Effect === "Allow")) {
          for (const action of asList(s.Action)) {
            assert.ok(
              !action.includes("*"),
              `${from}/${s.Sid} grants the wildcard action ${action}`,
            );
          }
        }
      }
    });

    it("uses a `*` resource only for actions AWS cannot scope", () => {
      for (const { from, statements } of allPolicyDocuments(resources)) {
        for (const s of statements.filter((st) => st.Effect === "Allow")) {
          if (!asList(s.Resource).includes("*")) continue;
          for (const action of asList(s.Action)) {
            assert.ok(UNSCOPABLE_ACTIONS.has(action), `${from}/${s.Sid} grants ${action} on *`);
          }
        }
      }
    });

    it("lets the proxy invoke only this runtime and its endpoint", () => {
      const statements = statementsOf(
        one(resources, T.rolePolicy, "proxy-role-policy").inputs.policy,
      );
      const invoke = statements.find((s) => s.Sid === "InvokeTheAgent")!;
      assert.deepEqual(asList(invoke.Action), [
        "bedrock-agentcore:InvokeAgentRuntime",
        "bedrock-agentcore:InvokeAgentRuntimeForUser",
        "bedrock-agentcore:StopRuntimeSession",
      ]);
      assert.deepEqual(invoke.Resource, [
        one(resources, T.runtime).outputs.agentRuntimeArn,
        one(resources, T.endpoint).outputs.agentRuntimeEndpointArn,
      ]);
      const logs = statements.find((s) => s.Sid === "WriteOwnLogs")!;
      assert.equal(logs.Resource, `${one(resources, T.logGroup, "proxy-logs").outputs.arn}:*`);
    });
  });

  describe("the proxy Lambda", () => {
    it("runs Node.js 24 on arm64 with a 900 s timeout and the proxy's environment", () => {
      const fn = one(resources, T.fn);
      assert.equal(fn.inputs.runtime, "nodejs24.x");
      assert.deepEqual(fn.inputs.architectures, ["arm64"]);
      assert.equal(fn.inputs.timeout, 900);
      const env = fn.inputs.environment.variables;
      assert.equal(env.AGENT_RUNTIME_ARN, one(resources, T.runtime).outputs.agentRuntimeArn);
      assert.equal(env.AGENT_RUNTIME_QUALIFIER, "live");
      assert.equal(env.HEARTBEAT_MS, "15000");
      assert.equal(env.POWERTOOLS_LOG_LEVEL, "DEBUG");
      // The options the benchmark and the local stack run the proxy with: a capped young
      // generation that keeps a long relay's memory flat, and not Node's source maps, which
      // parse the bundle's map at every init (the bundle maps its own stack traces on demand).
      assert.equal(env.NODE_OPTIONS, PROXY_NODE_OPTIONS);
      assert.doesNotMatch(env.NODE_OPTIONS, /--enable-source-maps/);
      assert.match(env.NODE_OPTIONS, /--max-semi-space-size=\d+/);
    });

    it("logs to its own log group, created first, with retention", () => {
      const fn = one(resources, T.fn);
      const logGroup = one(resources, T.logGroup, "proxy-logs");
      assert.equal(logGroup.inputs.retentionInDays, 7);
      assert.equal(fn.inputs.loggingConfig.logGroup, logGroup.outputs.name);
      assert.ok(
        fn.dependencies.includes(logGroup.urn),
        "the function does not wait for its log group",
      );
    });
  });

  describe("the API", () => {
    it("is REGIONAL with no compression", () => {
      const api = one(resources, T.restApi);
      assert.deepEqual(api.inputs.endpointConfiguration, { types: "REGIONAL" });
      assert.equal(api.inputs.minimumCompressionSize, undefined);
    });

    it("routes POST /invoke, DELETE /sessions/{sessionId} and POST /sessions/{sessionId}/cancel", () => {
      const methods = ofType(resources, T.method)
        .map((m) => m.inputs.httpMethod)
        .sort();
      // OPTIONS: Pulumi.dev.yaml allows the local page's origin.
      assert.deepEqual(methods, ["DELETE", "OPTIONS", "OPTIONS", "OPTIONS", "POST", "POST"]);
    });

    it("streams every integration through the response-streaming URI with a 900000 ms timeout", () => {
      const fn = one(resources, T.fn);
      const integrations = ofType(resources, T.integration).filter((i) => i.inputs.type !== "MOCK");
      assert.equal(integrations.length, 3);
      for (const integration of integrations) {
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.equal(integration.inputs.integrationHttpMethod, "POST");
        assert.equal(integration.inputs.responseTransferMode, "STREAM");
        assert.equal(integration.inputs.timeoutMilliseconds, 900000);
        assert.equal(integration.inputs.uri, fn.outputs.responseStreamingInvokeArn);
        assert.match(
          integration.inputs.uri,
          /^arn:aws:apigateway:us-east-1:lambda:path\/2021-11-15\/functions\/.+\/response-streaming-invocations$/,
        );
      }
    });

    it("lets only this API's stage, method and path invoke the Lambda", () => {
      const api = one(resources, T.restApi);
      const permissions = ofType(resources, T.permission);
      const executionArn = api.outputs.executionArn;
      assert.match(executionArn, /^arn:aws:execute-api:us-east-1:123456789012:[\w-]+$/);
      assert.deepEqual(permissions.map((p) => p.inputs.sourceArn).sort(), [
        `${executionArn}/v1/DELETE/sessions/*`,
        `${executionArn}/v1/POST/invoke`,
        `${executionArn}/v1/POST/sessions/*/cancel`,
      ]);
      for (const p of permissions) {
        assert.equal(p.inputs.principal, "apigateway.amazonaws.com");
        assert.equal(p.inputs.action, "lambda:InvokeFunction");
        assert.doesNotMatch(p.inputs.sourceArn, /:\*\//, "wildcard API id");
      }
    });

    it("writes JSON access logs that show the transfer mode, and throttles from config", () => {
      const stage = one(resources, T.stage);
      const format = JSON.parse(stage.inputs.accessLogSettings.format);
      assert.equal(format.responseTransferMode, "$context.integration.responseTransferMode");
      for (const field of ["status", "responseLatency", "responseLength"]) assert.ok(format[field]);
      assert.equal(
        stage.inputs.accessLogSettings.destinationArn,
        one(resources, T.logGroup, "api-access-logs").outputs.arn,
      );
      const settings = one(resources, T.methodSettings).inputs.settings;
      assert.equal(settings.throttlingRateLimit, 5);
      assert.equal(settings.throttlingBurstLimit, 10);
      assert.equal(settings.dataTraceEnabled, false, "data traces would log prompts");
    });

    it("deploys after every route and integration exists", () => {
      const deployment = one(resources, T.deployment);
      for (const r of [...ofType(resources, T.method), ...ofType(resources, T.integration)]) {
        assert.ok(
          deployment.dependencies.includes(r.urn),
          `${r.name} is not a deployment dependency`,
        );
      }
      assert.match(deployment.inputs.triggers.redeployment, /^[0-9a-f]{64}$/);
    });
  });

  describe("stack outputs", () => {
    it("gives the invoke URL and a ready curl command", () => {
      assert.match(
        String(run.exports.invokeUrl),
        /^https:\/\/.+\.execute-api\.us-east-1\.amazonaws\.com\/v1\/invoke$/,
      );
      assert.match(
        String(run.exports.curlCommand),
        /^curl --no-buffer -X POST https:\/\/.+\/v1\/invoke /,
      );
      assert.match(
        String(run.exports.runtimeArn),
        /^arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime\//,
      );
      assert.ok(run.exports.functionName);
      assert.match(String(run.exports.proxyLogGroupName), /^\/aws\/lambda\//);
      assert.match(String(run.exports.accessLogGroupName), /^\/aws\/apigateway\//);
    });
  });
});

describe("the program under mocks (prod stack)", function () {
  this.timeout(120000);
  let resources: CapturedResource[];
  before(async () => {
    resources = await runProgram({ stack: "prod" });
  });

  it("runs in the VPC from config", () => {
    assert.deepEqual(one(resources, T.runtime).inputs.networkConfiguration, {
      networkMode: "VPC",
      networkModeConfig: {
        subnets: ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"],
        securityGroups: ["sg-0a1b2c3d4e5f60720"],
      },
    });
  });

  it("admits the operator roles beside the proxy", () => {
    const proxyRole = one(resources, T.role, "proxy-role").outputs.arn;
    for (const policy of ofType(resources, T.resourcePolicy)) {
      const [allow, deny] = statementsOf(policy.inputs.policy);
      const expected = [proxyRole, "arn:aws:iam::123456789012:role/agent-operators"].sort();
      assert.deepEqual(allow.Principal, { AWS: expected });
      assert.deepEqual(deny.Condition.ArnNotEquals["aws:PrincipalArn"], expected);
    }
  });

  it("grants a global profile in the model's region and applies the guardrail", () => {
    const statements = statementsOf(
      one(resources, T.rolePolicy, "agent-role-policy").inputs.policy,
    );
    const resourcesGranted = statements.flatMap((s) => asList(s.Resource));
    assert.ok(
      resourcesGranted.includes(
        "arn:aws:bedrock:us-west-2:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      ),
    );
    assert.ok(
      resourcesGranted.includes("arn:aws:bedrock:us-west-2:123456789012:guardrail/abcd1234efgh"),
    );
    const env = one(resources, T.runtime).inputs.environmentVariables;
    assert.equal(env.GUARDRAIL_ID, "abcd1234efgh");
    assert.equal(env.GUARDRAIL_VERSION, "3");
  });

  it("leaves the account-wide API Gateway logging role alone when told to", () => {
    assert.equal(ofType(resources, "aws:apigateway/account:Account").length, 0);
  });
});

describe("program variants under mocks", function () {
  this.timeout(120000);

  it("runs a bring-your-own image without building one", async () => {
    const uri = `210987654321.dkr.ecr.us-east-1.amazonaws.com/team/agent@sha256:${"a".repeat(64)}`;
    const resources = await runProgram({ config: { "agentcore-stream:agentImageUri": uri } });
    assert.equal(ofType(resources, T.image).length, 0);
    assert.equal(ofType(resources, T.repository).length, 0);
    assert.equal(containerUriOf(resources), uri);
    const pull = statementsOf(one(resources, T.rolePolicy, "agent-role-policy").inputs.policy).find(
      (s) => s.Sid === "PullAgentImage",
    )!;
    assert.equal(pull.Resource, "arn:aws:ecr:us-east-1:210987654321:repository/team/agent");
  });

  it("resolves a bring-your-own image's tag to its digest: no tag reaches the runtime", async () => {
    const repository = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/agent";
    const resources = await runProgram({
      config: { "agentcore-stream:agentImageUri": `${repository}:release-7` },
    });
    const digest = mockImageDigest({
      registryId: "210987654321",
      repositoryName: "team/agent",
      imageTag: "release-7",
    });
    assert.equal(containerUriOf(resources), `${repository}@${digest}`);
  });

  it("resolves a tag from awsx (its fallback when the build reports no digest) to its digest", async () => {
    const resources = await runProgram({ mocks: { awsxImageUri: "tag" } });
    const image = one(resources, T.image);
    const repositoryUrl = one(resources, T.repository).outputs.url as string;
    assert.equal(image.outputs.imageUri, `${repositoryUrl}:${image.inputs.imageTag}`);
    const digest = mockImageDigest({
      registryId: "123456789012",
      repositoryName: repositoryUrl.split("/").slice(1).join("/"),
      imageTag: image.inputs.imageTag,
    });
    assert.equal(containerUriOf(resources), `${repositoryUrl}@${digest}`);
    assert.match(containerUriOf(resources), BY_DIGEST);
  });

  it("previews without errors when provider outputs are unknown", async () => {
    const resources = await runProgram({ preview: true });
    assert.equal(ofType(resources, T.integration).length, 6); // 3 routes, 3 preflights
  });

  it("fails fast on invalid config, naming the key", async () => {
    await assert.rejects(
      runProgram({ config: { "agentcore-stream:integrationTimeoutMs": "1000000" } }),
      /`agentcore-stream:integrationTimeoutMs`.*900000/,
    );
    await assert.rejects(
      runProgram({ config: { "agentcore-stream:network": JSON.stringify({ mode: "VPC" }) } }),
      /`agentcore-stream:network`/,
    );
  });
});

describe("the deployment trigger", function () {
  this.timeout(120000);
  const program = path.join(__dirname, "fixtures", "streaming-api-alone.ts");
  const hashFor = async (variant: Record<string, unknown>) => {
    const run = await runProgramFull({ program, env: { API_VARIANT: JSON.stringify(variant) } });
    return String(run.exports.deploymentHash);
  };
  let baseline: string;
  before(async () => {
    baseline = await hashFor({});
  });

  it("is stable when nothing changes", async () => {
    assert.equal(await hashFor({}), baseline);
  });

  it("changes when the transfer mode changes (a BUFFERED stage must redeploy as STREAM)", async () => {
    assert.notEqual(await hashFor({ responseTransferMode: "BUFFERED" }), baseline);
  });

  it("changes when the integration URI changes", async () => {
    const ordinary =
      "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:their-function/invocations";
    assert.notEqual(await hashFor({ uri: ordinary }), baseline);
  });

  it("changes when the timeout changes", async () => {
    assert.notEqual(await hashFor({ timeoutMilliseconds: 300000 }), baseline);
  });
});
