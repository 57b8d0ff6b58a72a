import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { analyzeResources, PolicyPackConfigFile } from "../../policy/check";
import { runProgram } from "../support/run-program";
import { asRealPreview, fromCaptured, runPack } from "./helpers";

/**
 * The shipped program, run under mocks, through every policy of the pack: zero violations in
 * every stack and auth mode, at preview and at update. The forbidden shapes are in
 * red-team.test.ts.
 */

const PACK_DIR = path.join(__dirname, "..", "..", "policy");
const STACKS = ["dev", "prod"];

function stackConfig(stack: string): PolicyPackConfigFile {
  return JSON.parse(
    readFileSync(path.join(PACK_DIR, "config", `${stack}.json`), "utf8"),
  ) as PolicyPackConfigFile;
}

describe("the policy pack on the shipped program", function () {
  this.timeout(180_000);

  for (const stack of STACKS) {
    for (const preview of [false, true]) {
      it(`finds no violation in the ${stack} stack (${preview ? "preview" : "update"})`, async () => {
        const captured = await runProgram({ stack, preview });
        assert.ok(captured.length > 20, "the program registered its resources");
        const { findings } = await runPack(fromCaptured(captured), stackConfig(stack));
        assert.deepEqual(findings, []);
      });
    }
    it(`finds no violation in the ${stack} stack as a real preview sees it, and defers what it cannot know`, async () => {
      const captured = asRealPreview(await runProgram({ stack }));
      const { findings, deferred } = await runPack(fromCaptured(captured), stackConfig(stack));
      assert.deepEqual(findings, []);
      // What a preview of a new stack cannot decide (documented in policy/README.md): documents,
      // URIs and ARNs that embed ARNs of resources not created yet.
      const waiting = [...new Set(deferred.map((d) => d.policy))].sort();
      assert.deepEqual(waiting, [
        "agentcore-no-public-wrapper",
        "agentcore-resource-policy-no-public-principal",
        "apigateway-stream-lambda-uri",
        "iam-agentcore-invoke-not-wildcard",
      ]);
    });
  }

  const AUTH_MODES = [
    { mode: "apiKey" },
    { mode: "cognito" },
    { mode: "iam" },
    { mode: "lambda", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:authorizer" },
  ];
  for (const auth of AUTH_MODES) {
    it(`finds no violation with auth mode ${auth.mode}`, async () => {
      const captured = await runProgram({
        config: { "agentcore-stream:auth": JSON.stringify(auth) },
      });
      const { findings } = await runPack(fromCaptured(captured), stackConfig("dev"));
      assert.deepEqual(findings, []);
    });
  }

  it("warns, without blocking, when the API has no auth (mode none)", async () => {
    const captured = await runProgram({
      config: { "agentcore-stream:auth": JSON.stringify({ mode: "none" }) },
    });
    const { findings } = await runPack(fromCaptured(captured), stackConfig("dev"));
    assert.ok(findings.length > 0, "mode none passed silently");
    for (const finding of findings) {
      assert.equal(finding.policy, "apigateway-stream-methods-authorized");
      assert.equal(finding.level, "advisory");
    }
  });

  it("finds no violation through the pack's own analyzer server either", async () => {
    const captured = await runProgram({ stack: "dev" });
    const result = await analyzeResources(PACK_DIR, captured, stackConfig("dev"), { stack: "dev" });
    assert.deepEqual(result.diagnostics, []);
    // The stack policies saw the runtime, the streaming API and the proxy as a function that
    // fronts AgentCore (they did not skip the stack); only the gateway check has nothing to see.
    const skipped = result.notApplicable
      .filter((n) => n.urn === undefined)
      .map((n) => n.policyName);
    assert.deepEqual(skipped, ["agentcore-gateway-authorized"]);
  });
});
