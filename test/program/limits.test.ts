import { strict as assert } from "node:assert";
import { executionRolePolicy } from "../../components/agentRuntime";
import { invokerPolicy } from "../../components/agentRuntimeAccess";
import { ConfigError, parseStackConfig, RawConfig, StackConfig } from "../../components/config";
import {
  AGENTCORE,
  API_GATEWAY,
  CLOUDWATCH,
  environmentBytes,
  IAM,
  LAMBDA,
  LONGEST,
  TAGS,
  WAF,
} from "../../components/limits";
import { ROUTES } from "../../components/streamingApi";
import { proxyEnvironment } from "../../components/streamingProxy";
import { CapturedResource, runProgram } from "../support/run-program";
import { PROJECT } from "../support/stack-config";

const context = { project: PROJECT, stack: "dev" };
const parse = (raw: RawConfig) => parseStackConfig(raw, context);
const defaults = parse({});

const ACCOUNT = "123456789012";
const IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const DIGEST = `@sha256:${"a".repeat(64)}`;
const operators = (n: number) =>
  Array.from({ length: n }, (_, i) => `arn:aws:iam::${ACCOUNT}:role/operator-${i}`);
const origins = (n: number) => Array.from({ length: n }, (_, i) => `https://app-${i}.example.com`);
const modelIdOf = (length: number) => `global.anthropic.${"m".repeat(length - 17)}`;
const subnets = (n: number, idLength = 17) =>
  Array.from({ length: n }, (_, i) => `subnet-${String(i).padStart(idLength, "0")}`);
const securityGroups = (n: number) =>
  Array.from({ length: n }, (_, i) => `sg-${String(i).padStart(17, "0")}`);
const vpc = (subnetIds: string[], securityGroupIds: string[]) => ({
  network: { mode: "VPC", subnetIds, securityGroupIds },
});
/** A DNS name of `length` characters: labels of at most 63, then `.com`. */
function domainOf(length: number): string {
  let name = "";
  while (name.length < length - 4) name += `${name === "" ? "" : "."}${"d".repeat(63)}`;
  name = name.slice(0, length - 4).replace(/\.$/, "d");
  return `${name}.com`;
}

/** Throws the ConfigError `raw` gets, or fails. */
function rejection(raw: RawConfig): string {
  try {
    parse(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(raw).slice(0, 200)}`);
}

/**
 * The largest n whose `build(n)` the config accepts, found by bisection between `low` (accepted)
 * and `cap`; fails if nothing up to `cap` is rejected (the limit is not checked at all).
 */
function largestAccepted(build: (n: number) => RawConfig, low: number, cap: number): number {
  const accepted = (n: number) => {
    try {
      parse(build(n));
      return true;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return false;
    }
  };
  assert.ok(accepted(low), `${low} is not accepted`);
  assert.ok(!accepted(cap), `${cap} is still accepted: the limit is not enforced`);
  let [good, bad] = [low, cap];
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (accepted(middle)) good = middle;
    else bad = middle;
  }
  return good;
}

describe("config limits: each key at its documented maximum passes, one over fails", () => {
  /** [key, at the maximum, just over it, what the message must say besides the key] */
  const table: [keyof StackConfig, RawConfig, RawConfig, RegExp][] = [
    [
      "systemPrompt",
      { systemPrompt: "p".repeat(5000) },
      { systemPrompt: "p".repeat(5001) },
      /\(5001 characters\) is not accepted; expected a prompt of at most 5000 characters \(AgentCore's limit on an environment variable's value\); put a longer prompt in a file in agent\/prompts\/ and set `systemPromptFile`/,
    ],
    [
      "systemPromptFile",
      // With your own image, the file is the agent's to check: only the name is checked here.
      { systemPromptFile: `${"f".repeat(97)}.md`, agentImageUri: `${IMAGE}/agent${DIGEST}` },
      { systemPromptFile: `${"f".repeat(98)}.md`, agentImageUri: `${IMAGE}/agent${DIGEST}` },
      /\(101 characters\) is not accepted; .*at most 100 characters/,
    ],
    ["maxTokens", { maxTokens: "200000" }, { maxTokens: "200001" }, /200001 .*from 1 to 200000/],
    ["temperature", { temperature: "1" }, { temperature: "1.001" }, /1\.001 .*from 0 to 1/],
    [
      "guardrail",
      { guardrail: { id: "g".repeat(2048), version: "1" } },
      { guardrail: { id: "g".repeat(2049), version: "1" } },
      /\(at id\): .*\(2049 characters\) .*at most 2048 characters/,
    ],
    [
      "guardrail",
      { guardrail: { id: "g1", version: "99999999" } },
      { guardrail: { id: "g1", version: "100000000" } },
      /\(at version\): "100000000" .*"<1 to 99999999>"/,
    ],
    [
      "agentImageUri",
      { agentImageUri: `${IMAGE}/${"r".repeat(256)}${DIGEST}` },
      { agentImageUri: `${IMAGE}/${"r".repeat(257)}${DIGEST}` },
      /\(374 characters\) .*repository name of at most 256 characters/,
    ],
    [
      "agentImageUri",
      { agentImageUri: `${IMAGE}/agent:${"t".repeat(300)}` },
      { agentImageUri: `${IMAGE}/agent:${"t".repeat(301)}` },
      /\(352 characters\) .*a tag of at most 300/,
    ],
    [
      "runtimeName",
      { runtimeName: "r".repeat(48) },
      { runtimeName: "r".repeat(49) },
      /\(49 characters\) .*\{0,47\}/,
    ],
    [
      "endpointName",
      { endpointName: "e".repeat(48) },
      { endpointName: "e".repeat(49) },
      /\(49 characters\) .*\{0,47\}/,
    ],
    [
      "network",
      vpc(subnets(16), securityGroups(1)),
      vpc(subnets(17), securityGroups(1)),
      /\(at subnetIds\): .*\(17 items\) .*1 to 16 of each/,
    ],
    [
      "network",
      vpc(subnets(1), securityGroups(16)),
      vpc(subnets(1), securityGroups(17)),
      /\(at securityGroupIds\): .*\(17 items\) .*1 to 16 of each/,
    ],
    [
      "network",
      vpc(subnets(1, 17), securityGroups(1)),
      vpc(subnets(1, 18), securityGroups(1)),
      /\(at subnetIds\.0\): .*\(25 characters\) .*8 to 17 letters or digits/,
    ],
    [
      "idleTimeoutSeconds",
      { idleTimeoutSeconds: "28800" },
      { idleTimeoutSeconds: "28801" },
      /28801 .*from 60 to 28800/,
    ],
    [
      "maxLifetimeSeconds",
      { maxLifetimeSeconds: "28800" },
      { maxLifetimeSeconds: "28801" },
      /28801 .*from 60 to 28800/,
    ],
    [
      "operatorRoleArns",
      { operatorRoleArns: [`arn:aws:iam::${ACCOUNT}:role/${"n".repeat(64)}`] },
      { operatorRoleArns: [`arn:aws:iam::${ACCOUNT}:role/${"n".repeat(65)}`] },
      /\(at 0\): .*\(96 characters\) .*names of at most 64 characters/,
    ],
    [
      "proxyTimeoutSeconds",
      { proxyTimeoutSeconds: "900" },
      { proxyTimeoutSeconds: "901" },
      /901 .*from 30 to 900 \(Lambda's maximum\)/,
    ],
    [
      "proxyMemoryMb",
      { proxyMemoryMb: "10240" },
      { proxyMemoryMb: "10241" },
      /10241 .*from 128 to 10240/,
    ],
    ["heartbeatMs", { heartbeatMs: "240000" }, { heartbeatMs: "240001" }, /240001 .*to 240000/],
    [
      "maxBodyBytes",
      { maxBodyBytes: "6291456" },
      { maxBodyBytes: "6291457" },
      /6291457 .*to 6291456 \(Lambda's 6 MB request payload\)/,
    ],
    [
      "logRetentionDays",
      { logRetentionDays: "3653" },
      { logRetentionDays: "3654" },
      /3654 .*one of 1, 3, 5, .*3653/,
    ],
    [
      "integrationTimeoutMs",
      { integrationTimeoutMs: "900000" },
      { integrationTimeoutMs: "900001" },
      /900001 .*from 50 to 900000/,
    ],
    [
      "stageName",
      { stageName: "s".repeat(128) },
      { stageName: "s".repeat(129) },
      /\(129 characters\) .*1 to 128/,
    ],
    [
      "throttle",
      { throttle: { rateLimit: 10000, burstLimit: 5000 } },
      { throttle: { rateLimit: 10000.5, burstLimit: 5000 } },
      /\(at rateLimit\): 10000\.5 .*at most 10000/,
    ],
    [
      "throttle",
      { throttle: { rateLimit: 10000, burstLimit: 5000 } },
      { throttle: { rateLimit: 10000, burstLimit: 5001 } },
      /\(at burstLimit\): 5001 .*from 1 to 5000/,
    ],
    [
      "usagePlan",
      { usagePlan: { rateLimit: 1, burstLimit: 1, quotaLimit: 2147483647, quotaPeriod: "DAY" } },
      { usagePlan: { rateLimit: 1, burstLimit: 1, quotaLimit: 2147483648, quotaPeriod: "DAY" } },
      /\(at quotaLimit\): 2147483648 .*1 to 2147483647/,
    ],
    [
      "routeThrottle",
      { routeThrottle: { "POST /invoke": { rateLimit: 1, burstLimit: 5000 } } },
      { routeThrottle: { "POST /invoke": { rateLimit: 1, burstLimit: 5001 } } },
      /\(at POST \/invoke\.burstLimit\): 5001 .*from 1 to 5000/,
    ],
    [
      "customDomain",
      { customDomain: { domainName: domainOf(253), hostedZoneId: "Z1" } },
      { customDomain: { domainName: domainOf(254), hostedZoneId: "Z1" } },
      /\(at domainName\): .*\(254 characters\) .*a DNS name of at most 253 characters/,
    ],
    [
      "customDomain",
      { customDomain: { domainName: "a.example.com", hostedZoneId: `Z${"1".repeat(31)}` } },
      { customDomain: { domainName: "a.example.com", hostedZoneId: `Z${"1".repeat(32)}` } },
      /\(at hostedZoneId\): .*\(33 characters\) .*at most 32 characters/,
    ],
    [
      "waf",
      { waf: { rateLimitPer5Minutes: WAF.rateLimit.max } },
      { waf: { rateLimitPer5Minutes: WAF.rateLimit.max + 1 } },
      /2000000001 .*10 to 2000000000/,
    ],
    [
      "alarms",
      { alarms: { snsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:${"t".repeat(256)}` } },
      { alarms: { snsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:${"t".repeat(257)}` } },
      /\(at snsTopicArn\): .*\(292 characters\) .*a name of at most 256 characters/,
    ],
    [
      "alarms",
      { alarms: { snsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:t`, p99LatencyMs: 900000 } },
      { alarms: { snsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:t`, p99LatencyMs: 900001 } },
      /\(at p99LatencyMs\): 900001 .*100 to 900000/,
    ],
    [
      "auth",
      {
        auth: {
          mode: "lambda",
          functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${"f".repeat(64)}`,
          resultTtlSeconds: 3600,
        },
      },
      {
        auth: {
          mode: "lambda",
          functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:a`,
          resultTtlSeconds: 3601,
        },
      },
      /\(at resultTtlSeconds\): 3601 .*0 to 3600/,
    ],
    [
      "auth",
      {
        auth: {
          mode: "lambda",
          functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${"f".repeat(64)}`,
        },
      },
      {
        auth: {
          mode: "lambda",
          functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${"f".repeat(65)}`,
        },
      },
      /\(at functionArn\): .*\(112 characters\)/,
    ],
  ];

  it("auth: takes a REQUEST authorizer's identity source as API Gateway's mapping expressions", () => {
    const lambda = (identitySource: string) => ({
      auth: {
        mode: "lambda",
        functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:authorizer`,
        identitySource,
      },
    });
    parse(lambda("method.request.header.Authorization, method.request.querystring.key"));
    assert.match(
      rejection(lambda("Authorization")),
      /`agentcore-stream:auth` \(at identitySource\): "Authorization" .*method\.request\.header\.Authorization/,
    );
  });

  for (const [key, atMax, over, message] of table) {
    const what = JSON.stringify(over).slice(0, 70);
    it(`${key}: accepts its maximum, rejects ${what}`, () => {
      assert.doesNotThrow(() => parse(atMax));
      const text = rejection(over);
      assert.match(text, new RegExp(`^Invalid config \`agentcore-stream:${key}\``));
      assert.match(text, message);
    });
  }

  describe("sums: the whole document is sized, at the longest names AWS can give", () => {
    it("corsAllowedOrigins: as many as fit the proxy's 4 KB Lambda environment, not one more", () => {
      const most = largestAccepted((n) => ({ corsAllowedOrigins: origins(n) }), 1, 1000);
      const bytes = (n: number) =>
        environmentBytes(
          proxyEnvironment({
            runtimeArn: LONGEST.runtimeArn,
            qualifier: defaults.endpointName,
            heartbeatMs: defaults.heartbeatMs,
            maxBodyBytes: defaults.maxBodyBytes,
            corsAllowedOrigins: origins(n),
            logLevel: defaults.logLevel,
          }),
        );
      assert.ok(bytes(most) <= LAMBDA.environment.maxBytes);
      assert.ok(bytes(most + 1) > LAMBDA.environment.maxBytes);
      assert.match(
        rejection({ corsAllowedOrigins: origins(most + 1) }),
        new RegExp(
          `^Invalid config \`agentcore-stream:corsAllowedOrigins\`: with these ${most + 1} origins \\(\\d+ characters\\) ` +
            `the proxy Lambda's environment can reach ${bytes(most + 1)} bytes, over Lambda's limit of 4096 bytes ` +
            'for all its variables together\\. List only the origins browsers call the API from, or `\\["\\*"\\]`',
        ),
      );
    });

    it("operatorRoleArns: as many as fit AgentCore's 20480-character resource policy", () => {
      const most = largestAccepted((n) => ({ operatorRoleArns: operators(n) }), 1, 1000);
      const chars = (n: number) =>
        invokerPolicy(LONGEST.endpointArn, [LONGEST.proxyRoleArn, ...operators(n)]).length;
      assert.ok(chars(most) <= AGENTCORE.resourcePolicy.maxChars);
      assert.ok(chars(most + 1) > AGENTCORE.resourcePolicy.maxChars);
      assert.match(
        rejection({ operatorRoleArns: operators(most + 1) }),
        new RegExp(
          `^Invalid config \`agentcore-stream:operatorRoleArns\`: with these ${most + 1} roles the resource ` +
            `policy on the runtime endpoint can reach ${chars(most + 1)} characters, over AgentCore's limit of ` +
            "20480 per policy document\\. Name fewer roles",
        ),
      );
    });

    it("modelId: as long as IAM's 10240 characters for the execution role's policy allow", () => {
      const guardrail = { id: "g".repeat(40), version: "1" };
      const longest = largestAccepted((n) => ({ modelId: modelIdOf(n), guardrail }), 50, 2048);
      const chars = (n: number) =>
        executionRolePolicy({
          imageUri: LONGEST.imageUri,
          partition: LONGEST.partition,
          region: LONGEST.region,
          accountId: ACCOUNT,
          modelId: modelIdOf(n),
          modelRegion: LONGEST.region,
          runtimeName: defaults.runtimeName,
          guardrailId: guardrail.id,
        }).length;
      assert.ok(chars(longest) <= IAM.roleInlinePolicies.maxChars);
      assert.ok(chars(longest + 1) > IAM.roleInlinePolicies.maxChars);
      assert.match(
        rejection({ modelId: modelIdOf(longest + 1), guardrail }),
        new RegExp(
          `^Invalid config \`agentcore-stream:modelId\`: with this model id \\(${longest + 1} characters\\) and ` +
            `guardrail id \\(40 characters\\) the agent's execution role policy can reach ${chars(longest + 1)} ` +
            "characters, over IAM's limit of 10240 for a role's inline policies",
        ),
      );
    });
  });

  describe("the longest names the sums are sized with", () => {
    const arnParts = (arn: string) => arn.split(":");

    it("a runtime ARN with the longest partition, region and runtime id", () => {
      const [, partition, service, region, account, resource] = arnParts(LONGEST.runtimeArn);
      assert.deepEqual(
        [partition, service, region.length, account.length],
        ["aws-us-gov", "bedrock-agentcore", 20, 12],
      );
      const id = resource.slice("runtime/".length);
      assert.equal(id.length, AGENTCORE.runtimeId.maxChars);
      assert.match(id, AGENTCORE.runtimeId.pattern);
      assert.ok(["aws", "aws-cn", "aws-us-gov"].every((p) => p.length <= partition.length));
    });

    it("its endpoint's ARN with the longest endpoint name, within PutResourcePolicy's ARN limit", () => {
      const [runtime, name] = LONGEST.endpointArn.split("/runtime-endpoint/");
      assert.equal(runtime, LONGEST.runtimeArn);
      assert.equal(name.length, AGENTCORE.endpointName.maxChars);
      assert.match(name, AGENTCORE.endpointName.pattern);
      assert.ok(LONGEST.endpointArn.length <= AGENTCORE.resourcePolicy.resourceArnMaxChars);
    });

    it("the proxy role's ARN with the longest role name and no path", () => {
      assert.match(LONGEST.proxyRoleArn, /^arn:aws-us-gov:iam::\d{12}:role\/p{64}$/);
    });

    it("an image URI AgentCore accepts, with the longest ECR repository name", () => {
      assert.match(LONGEST.imageUri, AGENTCORE.containerUri.pattern);
      assert.equal(AGENTCORE.containerUri.pattern.exec(LONGEST.imageUri)?.[3].length, 256);
    });
  });
});

/** Every key at its maximum (sums as full as they can be), as `pulumi config` would hold it. */
function maximalConfig(): Record<string, string> {
  const values: Record<string, unknown> = {
    maxTokens: 200000,
    temperature: 1,
    systemPrompt: "p".repeat(AGENTCORE.environment.valueMaxChars),
    guardrail: { id: "g".repeat(2048), version: "99999999" },
    runtimeName: "r".repeat(48),
    endpointName: "e".repeat(48),
    network: vpc(subnets(16), securityGroups(16)).network,
    idleTimeoutSeconds: 28800,
    maxLifetimeSeconds: 28800,
    proxyTimeoutSeconds: 900,
    proxyMemoryMb: 10240,
    heartbeatMs: 240000,
    maxBodyBytes: LAMBDA.requestPayloadBytes.max,
    logLevel: "DEBUG",
    logRetentionDays: 3653,
    integrationTimeoutMs: 900000,
    stageName: "s".repeat(128),
    throttle: { rateLimit: 10000, burstLimit: 5000 },
    usagePlan: { rateLimit: 10000, burstLimit: 5000, quotaLimit: 2147483647, quotaPeriod: "DAY" },
    routeThrottle: Object.fromEntries(
      ROUTES.map((r) => [`${r.method} /${r.path}`, { rateLimit: 10000, burstLimit: 5000 }]),
    ),
    customDomain: { domainName: domainOf(253), hostedZoneId: `Z${"1".repeat(31)}` },
    waf: { rateLimitPer5Minutes: WAF.rateLimit.max },
    alarms: {
      snsTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:${"t".repeat(256)}`,
      p99LatencyMs: 900000,
    },
  };
  // The sums take what the keys above leave.
  const fill = (key: string, build: (n: number) => unknown, low: number, cap: number) => {
    values[key] = build(largestAccepted((n) => ({ ...values, [key]: build(n) }), low, cap));
  };
  fill("corsAllowedOrigins", origins, 1, 1000);
  fill("operatorRoleArns", operators, 1, 1000);
  fill("modelId", modelIdOf, 50, 2048);
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      `${PROJECT}:${key}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

const TYPE = {
  runtime: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
  endpoint: "aws:bedrock/agentcoreAgentRuntimeEndpoint:AgentcoreAgentRuntimeEndpoint",
  resourcePolicy: "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy",
  fn: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  stage: "aws:apigateway/stage:Stage",
  integration: "aws:apigateway/integration:Integration",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  authorizer: "aws:apigateway/authorizer:Authorizer",
  webAcl: "aws:wafv2/webAcl:WebAcl",
};

/** Every problem a documented limit finds in what the program registered; [] when none. */
function limitViolations(resources: CapturedResource[]): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const within = (value: number, range: { min: number; max: number }) =>
    Number.isFinite(value) && value >= range.min && value <= range.max;
  const ofType = (type: string) => resources.filter((r) => r.type === type);

  for (const r of resources) {
    for (const [key, value] of Object.entries((r.inputs.tags ?? {}) as Record<string, string>)) {
      check(
        key.length <= TAGS.keyMaxChars && String(value).length <= TAGS.valueMaxChars,
        `${r.name}: tag ${key}`,
      );
    }
  }

  for (const r of ofType(TYPE.runtime)) {
    const i = r.inputs;
    check(AGENTCORE.runtimeName.pattern.test(i.agentRuntimeName), `${r.name}: name`);
    check(i.description.length <= AGENTCORE.runtimeDescription.maxChars, `${r.name}: description`);
    const env = Object.entries(i.environmentVariables as Record<string, string>);
    check(env.length <= AGENTCORE.environment.maxEntries, `${r.name}: ${env.length} variables`);
    for (const [name, value] of env) {
      check(
        AGENTCORE.environment.keyPattern.test(name) &&
          name.length <= AGENTCORE.environment.keyMaxChars,
        `${r.name}: variable name ${name}`,
      );
      check(
        value.length <= AGENTCORE.environment.valueMaxChars,
        `${r.name}: ${name} has ${value.length} characters`,
      );
    }
    for (const lifecycle of i.lifecycleConfigurations) {
      check(
        within(lifecycle.idleRuntimeSessionTimeout, AGENTCORE.lifecycleSeconds) &&
          within(lifecycle.maxLifetime, AGENTCORE.lifecycleSeconds) &&
          lifecycle.idleRuntimeSessionTimeout <= lifecycle.maxLifetime,
        `${r.name}: lifecycle`,
      );
    }
    const vpcConfig = i.networkConfiguration.networkModeConfig;
    if (vpcConfig) {
      const { subnets: s, securityGroups: g } = AGENTCORE.vpc;
      check(
        within(vpcConfig.subnets.length, s) &&
          vpcConfig.subnets.every((id: string) => s.pattern.test(id)),
        `${r.name}: subnets`,
      );
      check(
        within(vpcConfig.securityGroups.length, g) &&
          vpcConfig.securityGroups.every((id: string) => g.pattern.test(id)),
        `${r.name}: security groups`,
      );
    }
    const uri = i.agentRuntimeArtifact.containerConfiguration.containerUri as string;
    check(
      uri.length <= AGENTCORE.containerUri.maxChars && AGENTCORE.containerUri.pattern.test(uri),
      `${r.name}: container URI`,
    );
  }
  for (const r of ofType(TYPE.endpoint)) {
    check(AGENTCORE.endpointName.pattern.test(r.inputs.name), `${r.name}: name`);
    check(
      r.inputs.description.length <= AGENTCORE.endpointDescription.maxChars,
      `${r.name}: description`,
    );
  }
  for (const r of ofType(TYPE.resourcePolicy)) {
    check(
      r.inputs.policy.length <= AGENTCORE.resourcePolicy.maxChars,
      `${r.name}: policy of ${r.inputs.policy.length} characters`,
    );
    check(
      r.inputs.resourceArn.length <= AGENTCORE.resourcePolicy.resourceArnMaxChars,
      `${r.name}: resource ARN`,
    );
  }

  for (const r of ofType(TYPE.fn)) {
    const i = r.inputs;
    check(within(i.memorySize, LAMBDA.memoryMb), `${r.name}: memory ${i.memorySize}`);
    check(within(i.timeout, LAMBDA.timeoutSeconds), `${r.name}: timeout ${i.timeout}`);
    check(i.description.length <= LAMBDA.description.maxChars, `${r.name}: description`);
    const variables = i.environment.variables as Record<string, string>;
    const bytes = environmentBytes(variables);
    check(bytes <= LAMBDA.environment.maxBytes, `${r.name}: environment of ${bytes} bytes`);
    for (const name of Object.keys(variables)) {
      check(
        LAMBDA.environment.keyPattern.test(name) &&
          !(LAMBDA.environment.reserved as readonly string[]).includes(name),
        `${r.name}: variable ${name}`,
      );
    }
  }

  for (const r of ofType(TYPE.stage)) {
    check(API_GATEWAY.stageName.pattern.test(r.inputs.stageName), `${r.name}: stage name`);
  }
  for (const r of ofType(TYPE.integration)) {
    if (r.inputs.timeoutMilliseconds === undefined) continue; // MOCK integrations
    check(
      within(r.inputs.timeoutMilliseconds, API_GATEWAY.integrationTimeoutMs),
      `${r.name}: timeout`,
    );
  }
  const throttleOk = (rate: number, burst: number) =>
    rate > 0 &&
    rate <= API_GATEWAY.throttle.maxRatePerSecond &&
    Number.isInteger(burst) &&
    burst >= 0 &&
    burst <= API_GATEWAY.throttle.maxBurst;
  for (const r of ofType(TYPE.methodSettings)) {
    const s = r.inputs.settings;
    check(throttleOk(s.throttlingRateLimit, s.throttlingBurstLimit), `${r.name}: throttle`);
  }
  for (const r of ofType(TYPE.usagePlan)) {
    const { throttleSettings: t, quotaSettings: q } = r.inputs;
    check(throttleOk(t.rateLimit, t.burstLimit), `${r.name}: throttle`);
    if (q) {
      check(
        Number.isInteger(q.limit) &&
          q.limit <= API_GATEWAY.usagePlanQuota.max &&
          (API_GATEWAY.usagePlanQuota.periods as readonly string[]).includes(q.period),
        `${r.name}: quota`,
      );
    }
  }
  for (const r of ofType(TYPE.authorizer)) {
    const ttl = r.inputs.authorizerResultTtlInSeconds;
    if (ttl !== undefined) {
      check(within(ttl, API_GATEWAY.authorizerResultTtlSeconds), `${r.name}: result TTL`);
    }
  }

  const inlinePolicyChars = new Map<string, number>();
  for (const r of ofType(TYPE.rolePolicy)) {
    inlinePolicyChars.set(
      r.inputs.role,
      (inlinePolicyChars.get(r.inputs.role) ?? 0) + r.inputs.policy.replace(/\s/g, "").length,
    );
  }
  for (const [role, chars] of inlinePolicyChars) {
    check(chars <= IAM.roleInlinePolicies.maxChars, `role ${role}: inline policies of ${chars}`);
  }
  for (const r of ofType(TYPE.role)) {
    check(r.inputs.assumeRolePolicy.length <= IAM.trustPolicy.maxChars, `${r.name}: trust policy`);
  }
  for (const r of ofType(TYPE.logGroup)) {
    check(
      (CLOUDWATCH.logRetentionDays.values as readonly number[]).includes(r.inputs.retentionInDays),
      `${r.name}: retention`,
    );
    check(
      r.inputs.name.length <= CLOUDWATCH.logGroupName.maxChars &&
        CLOUDWATCH.logGroupName.pattern.test(r.inputs.name),
      `${r.name}: name`,
    );
  }
  for (const r of ofType(TYPE.dashboard)) {
    check(CLOUDWATCH.dashboardName.pattern.test(r.inputs.dashboardName), `${r.name}: name`);
  }
  for (const r of ofType(TYPE.webAcl)) {
    for (const rule of r.inputs.rules) {
      const limit = rule.statement.rateBasedStatement?.limit;
      if (limit !== undefined) check(within(limit, WAF.rateLimit), `${r.name}: rate limit`);
    }
  }
  return problems;
}

describe("the program under mocks stays within AWS's documented limits", function () {
  this.timeout(180000);

  let maximal: Promise<CapturedResource[]> | undefined;
  const maximalRun = () => (maximal ??= runProgram({ stack: "dev", config: maximalConfig() }));
  const runs: [string, () => Promise<CapturedResource[]>][] = [
    ["Pulumi.dev.yaml", () => runProgram({ stack: "dev" })],
    ["Pulumi.prod.yaml", () => runProgram({ stack: "prod" })],
    ["every key at its maximum", maximalRun],
  ];
  for (const [what, run] of runs) {
    it(what, async () => {
      const resources = await run();
      // The checks must have something to check.
      for (const type of [
        TYPE.runtime,
        TYPE.endpoint,
        TYPE.resourcePolicy,
        TYPE.fn,
        TYPE.stage,
        TYPE.dashboard,
      ]) {
        assert.ok(
          resources.some((r) => r.type === type),
          `no ${type}`,
        );
      }
      assert.deepEqual(limitViolations(resources), []);
    });
  }

  it("registers the maximal values it was given", async () => {
    const resources = await maximalRun();
    const runtime = resources.find((r) => r.type === TYPE.runtime)!;
    assert.equal(runtime.inputs.environmentVariables.SYSTEM_PROMPT.length, 5000);
    assert.equal(runtime.inputs.networkConfiguration.networkModeConfig.subnets.length, 16);
    const fn = resources.find((r) => r.type === TYPE.fn)!;
    const bytes = environmentBytes(fn.inputs.environment.variables);
    // Sized for the longest runtime ARN, the mocked one is shorter: within a few hundred bytes.
    assert.ok(bytes > LAMBDA.environment.maxBytes - 300, `${bytes} bytes`);
    const policies = resources.filter((r) => r.type === TYPE.resourcePolicy);
    for (const p of policies) {
      assert.ok(p.inputs.policy.length > AGENTCORE.resourcePolicy.maxChars - 1000);
    }
  });

  it("stops the program at config load, before any resource, on a value over a limit", async () => {
    await assert.rejects(
      runProgram({ stack: "dev", config: { [`${PROJECT}:systemPrompt`]: "p".repeat(5001) } }),
      /^Error: Invalid config `agentcore-stream:systemPrompt`: .*\(5001 characters\) is not accepted/,
    );
    await assert.rejects(
      runProgram({ stack: "dev", config: { [`${PROJECT}:sytemPrompt`]: "Be brief." } }),
      /^Error: Unknown config key `agentcore-stream:sytemPrompt`/,
    );
  });

  it("finds a value over a limit (the checks can fail)", async () => {
    const resources = await runProgram({ stack: "dev" });
    const fn = resources.find((r) => r.type === TYPE.fn)!;
    fn.inputs.environment.variables.CORS_ALLOWED_ORIGINS = "x".repeat(4096);
    fn.inputs.memorySize = 10241;
    const runtime = resources.find((r) => r.type === TYPE.runtime)!;
    runtime.inputs.environmentVariables.SYSTEM_PROMPT = "p".repeat(5001);
    assert.deepEqual(
      limitViolations(resources).map((p) => p.replace(/ of \d+ bytes/, "")),
      [
        "agent-runtime: SYSTEM_PROMPT has 5001 characters",
        "proxy-fn: memory 10241",
        "proxy-fn: environment",
      ],
    );
  });
});
