import { strict as assert } from "node:assert";
import {
  ConfigError,
  parseStackConfig,
  RawConfig,
  STRUCTURED_KEYS,
  StackConfig,
} from "../../components/config";
import { runtimeNameFor, RUNTIME_NAME_PATTERN } from "../../components/naming";
import { effectiveConfig, projectDefaults } from "../support/stack-config";

const context = { project: "agentcore-stream", stack: "dev" };
const parse = (raw: RawConfig) => parseStackConfig(raw, context);

/** Pulumi config as the CLI would pass it, without the namespace. */
function rawFrom(config: Record<string, string>): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith("agentcore-stream:")) continue;
    const name = key.slice("agentcore-stream:".length);
    raw[name] = STRUCTURED_KEYS.has(name as keyof StackConfig) ? JSON.parse(value) : value;
  }
  return raw as RawConfig;
}

describe("stack config", () => {
  it("accepts the project defaults and fills derived values", () => {
    const config = parse(rawFrom(projectDefaults()));
    assert.equal(config.modelId, "us.anthropic.claude-haiku-4-5-20251001-v1:0");
    assert.equal(config.runtimeName, "agentcore_stream_dev");
    assert.equal(config.modelRegion, undefined);
    assert.equal(config.agentImageUri, undefined);
    assert.equal(config.integrationTimeoutMs, 900000);
    assert.equal(config.proxyTimeoutSeconds, 900);
    assert.deepEqual(config.network, { mode: "PUBLIC" });
  });

  it("declares in Pulumi.yaml the same defaults the code applies", () => {
    const fromYaml = parse(rawFrom(projectDefaults()));
    const fromCode = parse({});
    assert.deepEqual(fromYaml, fromCode);
  });

  for (const stack of ["dev", "prod"]) {
    it(`accepts Pulumi.${stack}.yaml`, () => {
      const config = parseStackConfig(rawFrom(effectiveConfig(stack)), { ...context, stack });
      assert.match(config.runtimeName, RUNTIME_NAME_PATTERN);
    });
  }

  const rejected: [string, RawConfig, RegExp][] = [
    [
      "a timeout over the STREAM maximum",
      { integrationTimeoutMs: "900001" },
      /integrationTimeoutMs.*900000/,
    ],
    [
      "an integration timeout longer than the Lambda's",
      { proxyTimeoutSeconds: "60", integrationTimeoutMs: "61000" },
      /integrationTimeoutMs.*outlives the proxy Lambda/,
    ],
    ["a model id that is not a Bedrock id", { modelId: "gpt-4o" }, /modelId.*Bedrock model id/],
    [
      "a model ARN",
      { modelId: "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2" },
      /modelId/,
    ],
    [
      "VPC mode without subnets",
      { network: { mode: "VPC", subnetIds: [], securityGroupIds: ["sg-0123abcd"] } },
      /network.*subnetIds/,
    ],
    [
      "VPC mode without security groups",
      { network: { mode: "VPC", subnetIds: ["subnet-0123abcd"] } },
      /network/,
    ],
    ["an unknown network mode", { network: { mode: "PRIVATE" } }, /network.*PUBLIC/],
    [
      "a runtime name with hyphens",
      { runtimeName: "my-agent" },
      /runtimeName.*\[a-zA-Z\]\[a-zA-Z0-9_\]\{0,47\}/,
    ],
    ["a runtime name of 49 characters", { runtimeName: "a".repeat(49) }, /runtimeName/],
    ["a temperature above 1", { temperature: "1.5" }, /temperature.*from 0 to 1/],
    ["a non-numeric max tokens", { maxTokens: "lots" }, /maxTokens.*integer/],
    [
      "a log level that does not exist",
      { logLevel: "TRACE" },
      /logLevel.*DEBUG, INFO, WARN, ERROR/,
    ],
    [
      "a retention CloudWatch does not offer",
      { logRetentionDays: "10" },
      /logRetentionDays.*one of 1, 3, 5/,
    ],
    [
      "a heartbeat past API Gateway's idle timeout",
      { heartbeatMs: "300000" },
      /heartbeatMs.*idle timeout/,
    ],
    [
      "an operator that is not a role ARN",
      { operatorRoleArns: ["arn:aws:iam::123456789012:user/alice"] },
      /operatorRoleArns.*role ARNs/,
    ],
    [
      "a max lifetime shorter than the idle timeout",
      { idleTimeoutSeconds: "3600", maxLifetimeSeconds: "600" },
      /maxLifetimeSeconds.*idleTimeoutSeconds/,
    ],
    ["a throttle without a burst", { throttle: { rateLimit: 5 } }, /throttle/],
    ["a guardrail without a version", { guardrail: { id: "abc123" } }, /guardrail/],
    [
      "a boolean that is not true or false",
      { ecrForceDelete: "yes" },
      /ecrForceDelete.*true.*false/,
    ],
    [
      "an image URI outside ECR",
      { agentImageUri: "docker.io/library/node:24" },
      /agentImageUri.*ECR image URI/,
    ],
  ];
  for (const [what, raw, message] of rejected) {
    it(`rejects ${what}, naming the key`, () => {
      assert.throws(
        () => parse(raw),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          assert.match(error.message, /`agentcore-stream:\w+`/);
          return true;
        },
      );
    });
  }

  it("rejects unknown keys", () => {
    assert.throws(
      () => parse({ modelID: "x" } as RawConfig),
      /Unknown config key `agentcore-stream:modelID`/,
    );
  });
});

describe("runtime names", () => {
  it("is stable for a project and stack", () => {
    assert.equal(
      runtimeNameFor("agentcore-stream", "dev"),
      runtimeNameFor("agentcore-stream", "dev"),
    );
  });

  const cases: [string, string][] = [
    ["agentcore-stream", "dev"],
    ["agentcore-stream", "feature/login-page.v2"],
    ["9lives", "prod"],
    ["agentcore-stream", "a-very-long-stack-name-for-a-preview-environment-of-pr-1234"],
  ];
  for (const [project, stack] of cases) {
    it(`derives a valid name for ${project}/${stack}`, () => {
      assert.match(runtimeNameFor(project, stack), RUNTIME_NAME_PATTERN);
    });
  }

  it("keeps long names that share a prefix apart", () => {
    const long = "x".repeat(60);
    assert.notEqual(runtimeNameFor("p", `${long}-a`), runtimeNameFor("p", `${long}-b`));
  });
});
