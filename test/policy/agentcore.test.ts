import * as assert from "node:assert/strict";
import {
  agentcoreNoPublicWrapper,
  agentcoreResourcePolicyNoPublicPrincipal,
  agentcoreRuntimeFronted,
  agentcoreRuntimeIamAuthOnly,
} from "../../policy/agentcore";
import { T } from "../../policy/lib/types";
import {
  allowNamed,
  closedPolicy,
  denyOthers,
  doc,
  endpoint,
  ENDPOINT_ARN,
  INVOKE,
  OPERATOR_ROLE_ARN,
  PROXY_ROLE_ARN,
  REGION,
  resourcePolicy,
  runtime,
  RUNTIME_ARN,
} from "./fixtures";
import { assertDeferred, COMPUTED, resource, runResource, runStack, urnOf } from "./helpers";

describe("policy: agentcore-runtime-iam-auth-only", () => {
  const policy = agentcoreRuntimeIamAuthOnly;
  const jwt = {
    customJwtAuthorizer: {
      discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
    },
  };

  it("accepts a runtime without an authorizer (IAM only)", async () => {
    const outcome = await runResource(policy, runtime());
    assert.deepEqual(outcome.violations, []);
    assert.equal(outcome.notApplicable, undefined);
  });

  it("accepts an authorizerConfiguration without a JWT authorizer", async () => {
    const outcome = await runResource(policy, runtime("rt", { authorizerConfiguration: {} }));
    assert.deepEqual(outcome.violations, []);
  });

  it("rejects a runtime with a JWT authorizer, and says what to do instead", async () => {
    const outcome = await runResource(policy, runtime("rt", { authorizerConfiguration: jwt }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /customJwtAuthorizer/);
    assert.match(outcome.violations[0], /Remove authorizerConfiguration/);
  });

  it("rejects a JWT authorizer at preview even when its settings are computed", async () => {
    const outcome = await runResource(
      policy,
      runtime("rt", {
        authorizerConfiguration: { customJwtAuthorizer: { discoveryUrl: COMPUTED } },
      }),
    );
    assert.equal(outcome.violations.length, 1);
  });

  it("defers to pulumi up when the whole authorizerConfiguration is computed", async () => {
    assertDeferred(await runResource(policy, runtime("rt", { authorizerConfiguration: COMPUTED })));
  });

  it("skips runtimes named in exemptRuntimeNames", async () => {
    const config = { exemptRuntimeNames: ["agent_stream"] };
    const outcome = await runResource(policy, runtime("rt", { authorizerConfiguration: jwt }), {
      config,
    });
    assert.deepEqual(outcome.violations, []);
  });

  it("defers when exemptions exist and the runtime name is computed", async () => {
    const config = { exemptRuntimeNames: ["other"] };
    const r = runtime("rt", { authorizerConfiguration: jwt, agentRuntimeName: COMPUTED });
    assertDeferred(await runResource(policy, r, { config }));
  });

  it("does not apply to other resource types", async () => {
    const outcome = await runResource(policy, resource(T.lambdaFunction, "fn", {}));
    assert.match(outcome.notApplicable ?? "", /only applies/);
  });
});

describe("policy: agentcore-resource-policy-no-public-principal", () => {
  const policy = agentcoreResourcePolicyNoPublicPrincipal;
  const rp = (document: unknown) =>
    resourcePolicy("rp", {
      resourceArn: RUNTIME_ARN,
      policy: typeof document === "string" ? document : JSON.stringify(document),
    });
  const publicAllow = (overrides: Record<string, unknown>) => ({
    Effect: "Allow",
    Principal: "*",
    Action: "bedrock-agentcore:InvokeAgentRuntime",
    Resource: RUNTIME_ARN,
    ...overrides,
  });

  it("accepts the shipped shape: an Allow for named roles and a Deny for everyone else", async () => {
    const outcome = await runResource(policy, rp(closedPolicy(RUNTIME_ARN)));
    assert.deepEqual(outcome.violations, []);
    assert.equal(outcome.notApplicable, undefined);
  });

  it("accepts a policy document given as an object", async () => {
    const outcome = await runResource(
      policy,
      resourcePolicy("rp", { resourceArn: RUNTIME_ARN, policy: doc(allowNamed(RUNTIME_ARN)) }),
    );
    assert.deepEqual(outcome.violations, []);
  });

  const variants: [string, Record<string, unknown>][] = [
    ['Principal "*"', {}],
    ['Principal {AWS: "*"}', { Principal: { AWS: "*" } }],
    ["a wildcard among named principals", { Principal: { AWS: [PROXY_ROLE_ARN, "*"] } }],
    ["a wildcard account", { Principal: { AWS: "arn:aws:iam::*:root" } }],
    [
      "NotPrincipal (everyone but a few)",
      { Principal: undefined, NotPrincipal: { AWS: PROXY_ROLE_ARN } },
    ],
    ["Action bedrock-agentcore:*", { Action: "bedrock-agentcore:*" }],
    ['Action "*"', { Action: ["*"] }],
    [
      "Action bedrock-agentcore:invoke* (case-insensitive)",
      { Action: "bedrock-agentcore:invoke*" },
    ],
    ["InvokeAgentRuntimeForUser", { Action: "bedrock-agentcore:InvokeAgentRuntimeForUser" }],
    [
      "NotAction that leaves invocation in",
      { Action: undefined, NotAction: "bedrock-agentcore:Delete*" },
    ],
  ];
  for (const [what, overrides] of variants) {
    it(`rejects an Allow of invocation with ${what}`, async () => {
      const outcome = await runResource(
        policy,
        rp(doc(allowNamed(RUNTIME_ARN), publicAllow(overrides))),
      );
      assert.equal(outcome.violations.length, 1, outcome.violations.join("\n"));
      assert.match(outcome.violations[0], /every principal \(\*\)/);
      assert.match(outcome.violations[0], /Allow only named roles/);
    });
  }

  it("accepts a wildcard Allow of a non-invoke action, and wildcard Denies", async () => {
    const outcome = await runResource(
      policy,
      rp(
        doc(publicAllow({ Action: "bedrock-agentcore:GetAgentRuntime" }), denyOthers(RUNTIME_ARN)),
      ),
    );
    assert.deepEqual(outcome.violations, []);
  });

  it("accepts a conditioned wildcard only when its condition key is allow-listed", async () => {
    const conditioned = publicAllow({
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
    });
    const strict = await runResource(policy, rp(doc(conditioned)));
    assert.equal(strict.violations.length, 1);
    const config = { allowedWildcardConditionKeys: ["aws:PrincipalOrgID"] };
    const relaxed = await runResource(policy, rp(doc(conditioned)), { config });
    assert.deepEqual(relaxed.violations, []);
  });

  it("defers to pulumi up when the document is computed (it embeds ARNs)", async () => {
    assertDeferred(await runResource(policy, rp(COMPUTED)));
  });

  it("defers when a deciding part of an object document is computed", async () => {
    const outcome = await runResource(
      policy,
      resourcePolicy("rp", {
        resourceArn: COMPUTED,
        policy: doc(publicAllow({ Principal: COMPUTED })),
      }),
    );
    assertDeferred(outcome);
  });

  it("reports a known public Allow even when another statement is computed", async () => {
    const outcome = await runResource(
      policy,
      resourcePolicy("rp", {
        resourceArn: COMPUTED,
        policy: doc(publicAllow({}), publicAllow({ Principal: COMPUTED })),
      }),
    );
    assert.equal(outcome.violations.length, 1);
  });

  it("rejects a document that is not JSON", async () => {
    const outcome = await runResource(policy, rp("{not json"));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /not valid JSON/);
  });
});

describe("policy: agentcore-runtime-fronted", () => {
  const policy = agentcoreRuntimeFronted;
  const rt = runtime();
  const runtimePolicy = (document: unknown, extra = {}) =>
    resourcePolicy(
      "access-runtime",
      {
        resourceArn: RUNTIME_ARN,
        policy: typeof document === "string" ? document : JSON.stringify(document),
      },
      extra,
    );

  it("accepts a runtime whose resource policy allows named roles and denies everyone else", async () => {
    const outcome = await runStack(policy, [
      rt,
      endpoint(),
      runtimePolicy(closedPolicy(RUNTIME_ARN)),
    ]);
    assert.deepEqual(outcome.violations, []);
    assert.equal(outcome.notApplicable, undefined);
  });

  it("accepts several named invokers (proxy and operator roles)", async () => {
    const roles = [PROXY_ROLE_ARN, OPERATOR_ROLE_ARN];
    const outcome = await runStack(policy, [rt, runtimePolicy(closedPolicy(RUNTIME_ARN, roles))]);
    assert.deepEqual(outcome.violations, []);
  });

  it("accepts a Deny with NotPrincipal naming the invokers", async () => {
    const deny = {
      Effect: "Deny",
      NotPrincipal: { AWS: [PROXY_ROLE_ARN] },
      Action: INVOKE,
      Resource: RUNTIME_ARN,
    };
    const outcome = await runStack(policy, [rt, runtimePolicy(doc(allowNamed(RUNTIME_ARN), deny))]);
    assert.deepEqual(outcome.violations, []);
  });

  it("at preview, finds the policy through resourceArn's dependency and leaves its computed content to pulumi up", async () => {
    const previewRuntime = runtime("agent-runtime", { agentRuntimeArn: COMPUTED });
    const rp = runtimePolicy(COMPUTED, {
      dependencies: [previewRuntime.urn!],
      propertyDependencies: { resourceArn: [previewRuntime.urn!], policy: [previewRuntime.urn!] },
    });
    rp.props.resourceArn = COMPUTED;
    const outcome = await runStack(policy, [previewRuntime, rp]);
    assert.deepEqual(outcome.violations, []);
  });

  it("matches by plain dependencies when the caller sends no per-property dependencies", async () => {
    const previewRuntime = runtime("agent-runtime", { agentRuntimeArn: COMPUTED });
    const rp = runtimePolicy(closedPolicy(RUNTIME_ARN), { dependencies: [previewRuntime.urn!] });
    rp.props.resourceArn = COMPUTED;
    const outcome = await runStack(policy, [previewRuntime, rp]);
    assert.deepEqual(outcome.violations, []);
  });

  it("rejects a runtime without any resource policy, reported against the runtime", async () => {
    const outcome = await runStack(policy, [rt, endpoint()]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /has no resource policy/);
    assert.deepEqual(outcome.urns, [rt.urn]);
  });

  it("rejects a runtime whose only resource policy is on its endpoint", async () => {
    const ep = endpoint();
    const epPolicy = resourcePolicy(
      "access-endpoint",
      { resourceArn: ENDPOINT_ARN, policy: closedPolicy(ENDPOINT_ARN) },
      { dependencies: [ep.urn!], propertyDependencies: { resourceArn: [ep.urn!] } },
    );
    const outcome = await runStack(policy, [rt, ep, epPolicy]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /has no resource policy/);
  });

  it("rejects a runtime whose only resource policy names another runtime", async () => {
    const other = resourcePolicy("other", {
      resourceArn: `arn:aws:bedrock-agentcore:${REGION}:123456789012:runtime/other-XyZ`,
      policy: closedPolicy(RUNTIME_ARN),
    });
    const outcome = await runStack(policy, [rt, other]);
    assert.equal(outcome.violations.length, 1);
  });

  const weak: [string, unknown][] = [
    ["only an Allow for named roles (no Deny for others)", doc(allowNamed(RUNTIME_ARN))],
    [
      "a Deny narrowed by another condition",
      doc({
        ...denyOthers(RUNTIME_ARN),
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": [PROXY_ROLE_ARN] },
          StringEquals: { "aws:SourceVpc": "vpc-1" },
        },
      }),
    ],
    [
      "a Deny that spares a wildcard of roles",
      doc({
        ...denyOthers(RUNTIME_ARN),
        Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/*" } },
      }),
    ],
    [
      "a Deny for specific principals only",
      doc({
        ...denyOthers(RUNTIME_ARN),
        Principal: { AWS: OPERATOR_ROLE_ARN },
        Condition: undefined,
      }),
    ],
    [
      "a Deny of other actions",
      doc({ ...denyOthers(RUNTIME_ARN), Action: "bedrock-agentcore:DeleteAgentRuntime" }),
    ],
    ["an Allow for everyone", doc({ ...allowNamed(RUNTIME_ARN), Principal: "*" })],
  ];
  for (const [what, document] of weak) {
    it(`rejects a resource policy with ${what}`, async () => {
      const outcome = await runStack(policy, [rt, runtimePolicy(document)]);
      assert.equal(outcome.violations.length, 1, what);
      assert.match(outcome.violations[0], /does not limit InvokeAgentRuntime to named principals/);
      assert.deepEqual(outcome.urns, [rt.urn]);
    });
  }

  it("accepts an Allow naming only specific roles when requireExplicitDeny is false", async () => {
    const config = { requireExplicitDeny: false };
    const named = await runStack(policy, [rt, runtimePolicy(doc(allowNamed(RUNTIME_ARN)))], {
      config,
    });
    assert.deepEqual(named.violations, []);
    const everyone = await runStack(
      policy,
      [rt, runtimePolicy(doc({ ...allowNamed(RUNTIME_ARN), Principal: "*" }))],
      { config },
    );
    assert.equal(everyone.violations.length, 1);
  });

  it("skips runtimes named in exemptRuntimeNames", async () => {
    const outcome = await runStack(policy, [rt], {
      config: { exemptRuntimeNames: ["agent_stream"] },
    });
    assert.deepEqual(outcome.violations, []);
  });

  it("checks every runtime of the stack", async () => {
    const second = runtime("second", {
      agentRuntimeName: "second",
      agentRuntimeArn: `arn:aws:bedrock-agentcore:${REGION}:123456789012:runtime/second-AbC`,
    });
    const outcome = await runStack(policy, [rt, second, runtimePolicy(closedPolicy(RUNTIME_ARN))]);
    assert.deepEqual(outcome.urns, [urnOf(T.agentRuntime, "second")]);
  });

  it("is not applicable to a stack without runtimes", async () => {
    const outcome = await runStack(policy, [resource(T.lambdaFunction, "fn", {})]);
    assert.match(outcome.notApplicable ?? "", /no AgentCore runtime/);
  });
});

describe("policy: agentcore-no-public-wrapper", () => {
  const policy = agentcoreNoPublicWrapper;
  const agentcoreHost = `bedrock-agentcore.${REGION}.amazonaws.com`;
  const distribution = (...domains: unknown[]) =>
    resource(T.cloudfrontDistribution, "cdn", {
      enabled: true,
      origins: domains.map((domainName, i) => ({ originId: `origin-${i}`, domainName })),
    });

  it("accepts a distribution in front of API Gateway", async () => {
    const outcome = await runResource(
      policy,
      distribution(`a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`),
    );
    assert.deepEqual(outcome.violations, []);
    assert.equal(outcome.notApplicable, undefined);
  });

  for (const host of [
    agentcoreHost,
    `bedrock-agentcore-fips.${REGION}.amazonaws.com`,
    `bedrock-agentcore.${REGION}.api.aws`,
  ]) {
    it(`rejects a CloudFront origin on ${host}`, async () => {
      const outcome = await runResource(policy, distribution(host));
      assert.equal(outcome.violations.length, 1);
      assert.match(
        outcome.violations[0],
        /CloudFront distribution "cdn" origin "origin-0" targets an AgentCore endpoint/,
      );
      assert.match(outcome.violations[0], /Front the agent with API Gateway/);
    });
  }

  it("defers when an origin's domain is computed, but reports a known AgentCore origin beside it", async () => {
    assertDeferred(await runResource(policy, distribution(COMPUTED)));
    const mixed = await runResource(policy, distribution(COMPUTED, agentcoreHost));
    assert.equal(mixed.violations.length, 1);
  });

  it("rejects REST API HTTP and AWS-service integrations that call AgentCore directly", async () => {
    const encoded = encodeURIComponent(RUNTIME_ARN);
    const http = resource(T.restApiIntegration, "http", {
      type: "HTTP_PROXY",
      uri: `https://${agentcoreHost}/runtimes/${encoded}/invocations`,
    });
    const aws = resource(T.restApiIntegration, "aws", {
      type: "AWS",
      uri: `arn:aws:apigateway:${REGION}:bedrock-agentcore:path/runtimes/${encoded}/invocations`,
    });
    for (const r of [http, aws]) {
      const outcome = await runResource(policy, r);
      assert.equal(outcome.violations.length, 1, r.name);
      assert.match(outcome.violations[0], /API Gateway integration/);
    }
  });

  it("accepts a Lambda proxy integration", async () => {
    const lambda = resource(T.restApiIntegration, "lambda", {
      type: "AWS_PROXY",
      uri: `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/arn:aws:lambda:${REGION}:123456789012:function:f/response-streaming-invocations`,
    });
    assert.deepEqual((await runResource(policy, lambda)).violations, []);
  });

  it("rejects an HTTP API integration on AgentCore", async () => {
    const v2 = resource(T.httpApiIntegration, "v2", {
      integrationType: "HTTP_PROXY",
      integrationUri: `https://${agentcoreHost}/runtimes/x/invocations`,
    });
    assert.equal((await runResource(policy, v2)).violations.length, 1);
  });

  it("rejects a REST API whose OpenAPI body integrates AgentCore", async () => {
    const body = JSON.stringify({
      openapi: "3.0.1",
      paths: {
        "/chat": {
          post: {
            "x-amazon-apigateway-integration": {
              type: "http_proxy",
              uri: `https://${agentcoreHost}/runtimes/x/invocations`,
            },
          },
        },
      },
    });
    assert.equal(
      (await runResource(policy, resource(T.restApi, "api", { body }))).violations.length,
      1,
    );
    assert.deepEqual(
      (await runResource(policy, resource(T.restApi, "api", { name: "api" }))).violations,
      [],
    );
  });

  it("rejects hosts matching additionalHostPatterns", async () => {
    const config = { additionalHostPatterns: ["^agents\\.example\\.com$"] };
    const outcome = await runResource(policy, distribution("agents.example.com"), { config });
    assert.equal(outcome.violations.length, 1);
    assert.deepEqual(
      (await runResource(policy, distribution("agents.example.com"))).violations,
      [],
    );
  });
});
