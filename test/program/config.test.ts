import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  CONFIG_DEFAULTS,
  ConfigError,
  parseStackConfig,
  RawConfig,
  rawConfigFrom,
} from "../../components/config";
import { dashboardNameFor, runtimeNameFor, RUNTIME_NAME_PATTERN } from "../../components/naming";
import { CLOUDWATCH } from "../../components/limits";
import { effectiveConfig, PROJECT, projectDefaults, REPO_ROOT } from "../support/stack-config";

const context = { project: PROJECT, stack: "dev" };
const parse = (raw: RawConfig) => parseStackConfig(raw, context);

/** Pulumi config as the CLI passes it to the program (`<project>:<key>` to strings). */
const rawFrom = (config: Record<string, string>) => rawConfigFrom(config, PROJECT);

/** Every key the code knows, read off the schema by the error it gives for an unknown one. */
function knownKeys(): string[] {
  try {
    parse({ notAKey: "x" } as RawConfig);
  } catch (error) {
    const list = /Known keys: (.*)\.$/.exec((error as Error).message)?.[1];
    if (list) return list.split(", ");
  }
  assert.fail("an unknown key was not reported with the known keys");
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

  it("declares every key in Pulumi.yaml, structured keys included, and no other", () => {
    const project = parseYaml(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { description?: string; default?: unknown; type?: string }>;
    };
    assert.deepEqual(Object.keys(project.config).sort(), knownKeys().sort());
    for (const [key, declaration] of Object.entries(project.config)) {
      assert.ok(declaration.description, `${key} has no description`);
      assert.ok("default" in declaration, `${key} has no default, so every stack would need it`);
      // Pulumi's project schema has no object type: structured keys are declared untyped.
      if (typeof declaration.default === "object" && !Array.isArray(declaration.default)) {
        assert.equal(declaration.type, undefined, `${key} declares a type Pulumi does not have`);
      }
    }
  });

  it("declares the structured defaults the code applies, one by one", () => {
    const declared = rawFrom(projectDefaults());
    for (const key of ["network", "throttle", "auth", "usagePlan", "routeThrottle"] as const) {
      assert.deepEqual(declared[key], CONFIG_DEFAULTS[key], key);
    }
    for (const key of ["guardrail", "customDomain", "waf", "alarms"] as const) {
      assert.equal(declared[key], "", `${key} should default to none`);
      assert.equal(parse(declared)[key], undefined, key);
    }
  });

  it("rejects a misspelt key in the stack's config instead of ignoring it", () => {
    assert.throws(
      () => parse(rawFrom(effectiveConfig("dev", { "agentcore-stream:systemPromtFile": "a.md" }))),
      /Unknown config key `agentcore-stream:systemPromtFile`/,
    );
  });

  it("lists every key in the README's table with the code's default", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const rows = new Map<string, string>();
    for (const match of readme.matchAll(/^\| `(\w+)` +\| (.*?) +\|/gm)) {
      rows.set(match[1], match[2]);
    }
    const keys = knownKeys();
    assert.deepEqual([...rows.keys()].filter((k) => keys.includes(k)).sort(), [...keys].sort());
    const defaults = parse({});
    for (const key of keys as (keyof typeof defaults)[]) {
      const cell = rows.get(key)!;
      const literal = /^`([^`]*)`$/.exec(cell)?.[1];
      if (literal === undefined) continue; // derived or "none": said in words
      const value = defaults[key];
      if (typeof value === "string") assert.equal(literal, value, `README default of ${key}`);
      else assert.deepEqual(JSON.parse(literal), value, `README default of ${key}`);
    }
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

  describe("prompt files", () => {
    const withPrompts = (files: Record<string, string>) => {
      const dir = mkdtempSync(path.join(tmpdir(), "prompts-"));
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
      return (raw: RawConfig) => parseStackConfig(raw, { ...context, promptsDir: dir });
    };

    it("accepts a file the agent image ships (agent/prompts/)", () => {
      const config = parse({ systemPromptFile: "support.md" });
      assert.equal(config.systemPromptFile, "support.md");
    });

    it("names the shipped files when the file is missing", () => {
      const parseIn = withPrompts({ "a.md": "Be kind.", "b.md": "Be brief." });
      assert.throws(
        () => parseIn({ systemPromptFile: "c.md" }),
        /`agentcore-stream:systemPromptFile`: agent\/prompts\/c\.md cannot be read \(ENOENT\); the agent image ships a\.md, b\.md\. Add the file/,
      );
    });

    it("rejects an empty file", () => {
      const parseIn = withPrompts({ "blank.md": " \n\n" });
      assert.throws(() => parseIn({ systemPromptFile: "blank.md" }), /blank\.md is empty/);
    });

    it("rejects a file that is not UTF-8 text", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "prompts-"));
      writeFileSync(path.join(dir, "latin1.md"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      assert.throws(
        () => parseStackConfig({ systemPromptFile: "latin1.md" }, { ...context, promptsDir: dir }),
        /latin1\.md cannot be read \(it is not UTF-8 text\)/,
      );
    });

    it("rejects a path instead of a file name", () => {
      assert.throws(
        () => parse({ systemPromptFile: "../package.json" }),
        /`agentcore-stream:systemPromptFile`: "\.\.\/package\.json" \(15 characters\) is not accepted/,
      );
    });

    it("rejects an inline prompt beside the file", () => {
      assert.throws(
        () => parse({ systemPromptFile: "support.md", systemPrompt: "Be terse." }),
        /`systemPrompt` is set too, and the file replaces it/,
      );
    });

    it("leaves a file in your own image to the agent's start-up check", () => {
      const agentImageUri = `123456789012.dkr.ecr.us-east-1.amazonaws.com/mine@sha256:${"a".repeat(64)}`;
      const config = parse({ systemPromptFile: "only-in-my-image.md", agentImageUri });
      assert.equal(config.systemPromptFile, "only-in-my-image.md");
    });
  });

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

describe("dashboard names", () => {
  it("keeps a project and stack name that CloudWatch accepts as it is", () => {
    assert.equal(dashboardNameFor("agentcore-stream", "dev"), "agentcore-stream-dev");
  });

  // Pulumi allows `.` in project and stack names; PutDashboard refuses it.
  for (const [project, stack] of [
    ["agentcore-stream", "pr-12.preview"],
    ["agentcore.stream", "dev"],
    ["p".repeat(100), "s".repeat(100)],
  ]) {
    it(`derives a name CloudWatch accepts for ${project.slice(0, 20)}/${stack.slice(0, 20)}`, () => {
      assert.match(dashboardNameFor(project, stack), CLOUDWATCH.dashboardName.pattern);
    });
  }

  it("keeps stacks whose names differ only in a refused character apart", () => {
    assert.notEqual(dashboardNameFor("p", "pr.1"), dashboardNameFor("p", "pr_1"));
  });
});
