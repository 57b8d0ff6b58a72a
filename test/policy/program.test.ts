import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { analyzeResources, hasMandatory, PolicyPackConfigFile } from "../../policy/check";
import { runProgram } from "../support/run-program";
import { asRealPreview, fromCaptured, runPack } from "./helpers";

/**
 * The shipped program, run under mocks, through every policy of the pack: zero violations in
 * every stack, at preview and at update; and each forbidden shape, added to the program, is
 * caught by the policy meant for it.
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
        "lambda-permission-apigateway-only",
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
    // The stack policies saw the runtime and the streaming API (they did not skip the stack).
    const skipped = result.notApplicable
      .filter((n) => n.urn === undefined)
      .map((n) => n.policyName);
    assert.deepEqual(skipped, []);
  });
});

/**
 * Forbidden shapes added to the program. Each is sent to the program's process as source text,
 * so it must not refer to anything outside itself.
 */
const VARIANTS: {
  what: string;
  policy: string;
  resource: string;
  extraResources: NonNullable<Parameters<typeof runProgram>[0]>["extraResources"];
}[] = [
  {
    what: "a Lambda Function URL",
    policy: "lambda-no-function-url",
    resource: "open-url",
    extraResources: (_p, aws) => {
      new aws.lambda.FunctionUrl("open-url", {
        functionName: "any-function",
        authorizationType: "NONE",
      });
    },
  },
  {
    what: "an AgentCore runtime with a JWT authorizer",
    policy: "agentcore-runtime-iam-auth-only",
    resource: "jwt-runtime",
    extraResources: (_p, aws) => {
      new aws.bedrock.AgentcoreAgentRuntime("jwt-runtime", {
        agentRuntimeName: "jwt_runtime",
        roleArn: "arn:aws:iam::123456789012:role/runtime",
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:1",
          },
        },
        networkConfiguration: { networkMode: "PUBLIC" },
        authorizerConfiguration: {
          customJwtAuthorizer: {
            discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
            allowedClients: ["web"],
          },
        },
      });
    },
  },
  {
    what: "a Lambda permission for any API",
    policy: "lambda-permission-apigateway-only",
    resource: "any-api",
    extraResources: (_p, aws) => {
      new aws.lambda.Permission("any-api", {
        action: "lambda:InvokeFunction",
        function: "any-function",
        principal: "apigateway.amazonaws.com",
        sourceArn: "arn:aws:execute-api:us-east-1:123456789012:*/*/*",
      });
    },
  },
  {
    what: "a Lambda permission for everyone",
    policy: "lambda-permission-apigateway-only",
    resource: "everyone",
    extraResources: (_p, aws) => {
      new aws.lambda.Permission("everyone", {
        action: "lambda:InvokeFunction",
        function: "any-function",
        principal: "*",
      });
    },
  },
  {
    what: "a public AgentCore resource policy",
    policy: "agentcore-resource-policy-no-public-principal",
    resource: "public-policy",
    extraResources: (_p, aws) => {
      const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other-AbCdEf1234";
      new aws.bedrock.AgentcoreResourcePolicy("public-policy", {
        resourceArn: arn,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "bedrock-agentcore:InvokeAgentRuntime",
              Resource: arn,
            },
          ],
        }),
      });
    },
  },
  {
    what: "a CloudFront origin on AgentCore",
    policy: "agentcore-no-public-wrapper",
    resource: "agent-cdn",
    extraResources: (_p, aws) => {
      new aws.cloudfront.Distribution("agent-cdn", {
        enabled: true,
        origins: [
          {
            originId: "agentcore",
            domainName: "bedrock-agentcore.us-east-1.amazonaws.com",
            customOriginConfig: {
              httpPort: 80,
              httpsPort: 443,
              originProtocolPolicy: "https-only",
              originSslProtocols: ["TLSv1.2"],
            },
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: "agentcore",
          viewerProtocolPolicy: "https-only",
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: { cloudfrontDefaultCertificate: true },
      });
    },
  },
];

describe("the policy pack on forbidden variants of the program", function () {
  this.timeout(180_000);

  for (const variant of VARIANTS) {
    it(`catches ${variant.what} with ${variant.policy}`, async () => {
      const captured = await runProgram({ stack: "dev", extraResources: variant.extraResources });
      const { findings } = await runPack(fromCaptured(captured), stackConfig("dev"));
      const hit = findings.filter(
        (f) => f.policy === variant.policy && f.resource === variant.resource,
      );
      assert.equal(hit.length, 1, JSON.stringify(findings, null, 2));
      assert.equal(hit[0].level, "mandatory");
      // Nothing of the shipped program is flagged because of the addition.
      const added = new Set([variant.resource, "(stack)"]);
      assert.deepEqual(
        findings.filter((f) => !added.has(f.resource)),
        [],
      );
    });
  }

  it("catches every variant at a real preview too (the mandatory checks rest on values known then)", async () => {
    for (const variant of VARIANTS) {
      const captured = asRealPreview(
        await runProgram({ stack: "dev", extraResources: variant.extraResources }),
      );
      const { findings } = await runPack(fromCaptured(captured), stackConfig("dev"));
      const hit = findings.filter(
        (f) => f.policy === variant.policy && f.resource === variant.resource,
      );
      assert.equal(hit.length, 1, `${variant.what}: ${JSON.stringify(findings, null, 2)}`);
    }
  });

  it("blocks a variant through the pack's own analyzer server", async () => {
    const captured = await runProgram({ stack: "dev", extraResources: VARIANTS[0].extraResources });
    const result = await analyzeResources(PACK_DIR, captured, stackConfig("dev"), { stack: "dev" });
    assert.ok(hasMandatory(result));
    assert.deepEqual(
      result.diagnostics.map((d) => [d.policyName, d.enforcementLevel]),
      [["lambda-no-function-url", "mandatory"]],
    );
  });
});
