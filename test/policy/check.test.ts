import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  AnalysisResult,
  CheckResource,
  deferred,
  formatResult,
  hasMandatory,
  PolicyPackAnalyzer,
  PolicyPackConfigFile,
  resolvePolicyConfig,
} from "../../policy/check";
import { PROTECTED_TAG } from "../../policy/lib/protected";
import { T } from "../../policy/lib/types";
import { runProgram } from "../support/run-program";
import { closedPolicy, runtimeProps, RUNTIME_ARN } from "./fixtures";
import { COMPUTED, policyInfos, urnOf } from "./helpers";

const REPO = path.join(__dirname, "..", "..");
const PACK_DIR = path.join(REPO, "policy");

function captured(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  outputs = {},
): CheckResource {
  return { type, name, urn: urnOf(type, name), inputs, outputs, dependencies: [] };
}

/** A function that fronts AgentCore (tagged so), and a Function URL on it. */
const taggedFunction = captured(T.lambdaFunction, "f", {
  name: "f",
  role: "arn:aws:iam::123456789012:role/managed-elsewhere",
  tags: { [PROTECTED_TAG]: "true" },
});
const functionUrl = captured(T.lambdaFunctionUrl, "url", {
  functionName: "f",
  authorizationType: "NONE",
});
const exposed = [taggedFunction, functionUrl];
const runtimeResource = captured(T.agentRuntime, "rt", runtimeProps(), {
  agentRuntimeArn: RUNTIME_ARN,
});
const runtimePolicyWith = (policy: unknown) =>
  captured(T.agentcoreResourcePolicy, "rt-policy", { resourceArn: RUNTIME_ARN, policy });
const runtimePolicy = runtimePolicyWith(closedPolicy(RUNTIME_ARN));

describe("policy:check config resolution", () => {
  it("applies schema defaults, pack levels, `all`, and per-policy entries", () => {
    const config = resolvePolicyConfig(policyInfos, {
      all: "advisory",
      "agentcore-runtime-fronted": { enforcementLevel: "mandatory", exemptRuntimeNames: ["f"] },
    });
    assert.deepEqual(config.get("agentcore-runtime-fronted"), {
      enforcementLevel: "mandatory",
      properties: { exemptRuntimeNames: ["f"], requireExplicitDeny: true },
    });
    assert.equal(config.get("agentcore-runtime-iam-auth-only")?.enforcementLevel, "advisory");
    assert.equal(
      resolvePolicyConfig(policyInfos).get("agentcore-runtime-fronted")?.enforcementLevel,
      "mandatory",
    );
  });

  it("rejects unknown policies, unknown properties and mistyped values", () => {
    assert.throws(
      () => resolvePolicyConfig(policyInfos, { "no-such-policy": "mandatory" }),
      /not a policy of this pack/,
    );
    assert.throws(
      () =>
        resolvePolicyConfig(policyInfos, { "lambda-no-function-url": { allowedFunctions: [] } }),
      /does not take/,
    );
    assert.throws(
      () =>
        resolvePolicyConfig(policyInfos, {
          "agentcore-runtime-fronted": { exemptRuntimeNames: "f" },
        }),
      /to a string; it takes an array/,
    );
    assert.throws(
      () => resolvePolicyConfig(policyInfos, { "lambda-no-function-url": "blocking" as never }),
      /unknown enforcement level/,
    );
  });

  it("accepts the stack config files shipped with the pack", () => {
    for (const stack of ["dev", "prod"]) {
      const file = JSON.parse(
        readFileSync(path.join(PACK_DIR, "config", `${stack}.json`), "utf8"),
      ) as PolicyPackConfigFile;
      assert.equal(resolvePolicyConfig(policyInfos, file).size, policyInfos.length);
    }
  });
});

describe("policy:check against the pack's analyzer server", function () {
  this.timeout(180_000);
  let analyzer: PolicyPackAnalyzer;

  before(async () => {
    analyzer = await PolicyPackAnalyzer.start(PACK_DIR);
  });
  after(async () => {
    await analyzer?.close();
  });

  it("starts the pack as the CLI does and reads its policies", () => {
    assert.equal(analyzer.packName, "agentcore-stream-guardrails");
    assert.match(analyzer.packVersion, /^\d+\.\d+\.\d+/);
    assert.deepEqual(
      analyzer.policies.map((p) => p.name).sort(),
      policyInfos.map((p) => p.name).sort(),
    );
  });

  it("reports resource violations with the resource's URN, level and the CLI's message layout", async () => {
    const result = await analyzer.analyze([
      captured(T.lambdaFunctionUrl, "open", { functionName: "f", authorizationType: "NONE" }),
      captured(T.cloudfrontDistribution, "cdn", {
        origins: [{ originId: "agent", domainName: "bedrock-agentcore.us-east-1.amazonaws.com" }],
      }),
      runtimeResource,
      runtimePolicy,
    ]);
    assert.equal(result.diagnostics.length, 1);
    const [d] = result.diagnostics;
    assert.equal(d.policyName, "agentcore-no-public-wrapper");
    assert.equal(d.enforcementLevel, "mandatory");
    assert.equal(d.urn, urnOf(T.cloudfrontDistribution, "cdn"));
    assert.match(
      d.message,
      /^No CloudFront origin.*\nCloudFront distribution "cdn" origin "agent"/s,
    );
    assert.ok(hasMandatory(result));
  });

  it("runs stack policies once over the stack (AnalyzeStack), reporting against the resource at fault", async () => {
    const result = await analyzer.analyze([runtimeResource, ...exposed]);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.urn]).sort(),
      [
        ["agentcore-runtime-fronted", runtimeResource.urn],
        ["lambda-no-function-url", functionUrl.urn],
      ].sort(),
    );
    const url = result.diagnostics.find((d) => d.policyName === "lambda-no-function-url")!;
    assert.match(
      url.message,
      /^Functions that front AgentCore have no Function URL.*\nLambda Function URL "url"/s,
    );
  });

  it("applies the policy config: levels, disabling, and allow-lists", async () => {
    const advisory = await analyzer.analyze(exposed, {
      "lambda-no-function-url": "advisory",
    });
    assert.deepEqual(
      advisory.diagnostics.map((d) => d.enforcementLevel),
      ["advisory"],
    );
    assert.ok(!hasMandatory(advisory));
    const disabled = await analyzer.analyze(exposed, { all: "disabled" });
    assert.deepEqual(disabled.diagnostics, []);
    const cdn = (domainName: string) =>
      captured(T.cloudfrontDistribution, "cdn", { origins: [{ originId: "a", domainName }] });
    const patterns = { "agentcore-no-public-wrapper": { additionalHostPatterns: ["^agents\\."] } };
    assert.deepEqual((await analyzer.analyze([cdn("agents.example.com")])).diagnostics, []);
    assert.equal(
      (await analyzer.analyze([cdn("agents.example.com")], patterns)).diagnostics.length,
      1,
    );
  });

  it("sends computed values as the engine does, and lists what waits for pulumi up", async () => {
    const result = await analyzer.analyze([runtimePolicyWith(COMPUTED)]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      deferred(result).map((n) => [n.policyName, n.urn]),
      [["agentcore-resource-policy-no-public-principal", runtimePolicy.urn]],
    );
    // @pulumi/pulumi's own unknown marker (a mocked preview) travels the same way.
    const marker = await analyzer.analyze([runtimePolicyWith({ __pulumiUnknown: true })]);
    assert.equal(deferred(marker).length, 1);
  });

  it("formats results in the Pulumi CLI's layout", async () => {
    const result = await analyzer.analyze(exposed);
    const text = formatResult(result, exposed, "policy");
    assert.equal(
      text.split("\n").slice(0, 4).join("\n"),
      [
        "Policies:",
        `    ❌ agentcore-stream-guardrails@v${analyzer.packVersion} (local: policy)`,
        "        - [mandatory]  lambda-no-function-url  (aws:lambda/functionUrl:FunctionUrl: url)",
        "          Functions that front AgentCore have no Function URL: a URL is a public endpoint that bypasses API Gateway's authorization, throttling and WAF.",
      ].join("\n"),
    );
    const clean: AnalysisResult = { ...result, diagnostics: [] };
    assert.match(formatResult(clean, [], "policy"), /✅ agentcore-stream-guardrails@v/);
  });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(PACK_DIR, "check.ts"), ...args],
      { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("npm run policy:check", function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "policy-check-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes the shipped program in every stack that has a policy config", async () => {
    const { code, stdout, stderr } = await cli(["--runner", "test/support/run-program.ts"]);
    assert.equal(code, 0, stderr + stdout);
    for (const stack of ["dev", "prod"]) {
      assert.match(
        stdout,
        new RegExp(`Stack ${stack}: \\d+ resources, ${policyInfos.length} policies`),
      );
    }
    assert.match(stdout, /✅ agentcore-stream-guardrails@v\d+\.\d+\.\d+ \(local: policy\)/);
    assert.doesNotMatch(stdout, /\[mandatory\]|\[advisory\]/);
  });

  it("fails on a mandatory violation and prints it as the CLI does", async () => {
    const resources = await runProgram({
      stack: "dev",
      extraResources: (_p, aws, program) => {
        // A Function URL on the proxy, which fronts AgentCore (its role may invoke the runtime).
        new aws.lambda.FunctionUrl("open-url", {
          functionName: program.functionName as import("@pulumi/pulumi").Output<string>,
          authorizationType: "NONE",
        });
      },
    });
    const file = path.join(dir, "dev.json");
    writeFileSync(file, JSON.stringify(resources));
    const { code, stdout, stderr } = await cli([
      "--resources",
      file,
      "--config",
      "policy/config/dev.json",
    ]);
    assert.equal(code, 1, stderr + stdout);
    assert.match(stdout, /❌ agentcore-stream-guardrails@v/);
    assert.match(
      stdout,
      /- \[mandatory\] {2}lambda-no-function-url {2}\(aws:lambda\/functionUrl:FunctionUrl: open-url\)/,
    );
    assert.match(stderr, /mandatory policy violations/);
  });

  it("exits 2 on bad usage", async () => {
    const { code, stderr } = await cli([]);
    assert.equal(code, 2);
    assert.match(stderr, /--runner|--resources/);
  });
});
