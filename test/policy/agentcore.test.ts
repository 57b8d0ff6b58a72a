import * as assert from "node:assert/strict";
import { stringify as stringifyYaml } from "yaml";
import {
  agentcoreGatewayAuthorized,
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
  FAMILY,
  INVOKE,
  OPERATOR_ROLE_ARN,
  PROXY_ROLE_ARN,
  REGION,
  resourcePolicy,
  runtime,
  RUNTIME_ARN,
} from "./fixtures";
import {
  assertAccepts,
  assertDeferred,
  COMPUTED,
  resource,
  runResource,
  runStack,
  urnOf,
} from "./helpers";

describe("policy: agentcore-runtime-iam-auth-only", () => {
  const policy = agentcoreRuntimeIamAuthOnly;
  const jwt = {
    customJwtAuthorizer: {
      discoveryUrl: "https://idp.example.com/.well-known/openid-configuration",
    },
  };

  it("accepts a runtime without an authorizer (IAM only)", async () => {
    assertAccepts(
      await runResource(policy, runtime()),
      await runResource(policy, runtime("rt", { authorizerConfiguration: jwt })),
    );
  });

  it("accepts an authorizerConfiguration without a JWT authorizer", async () => {
    assertAccepts(
      await runResource(policy, runtime("rt", { authorizerConfiguration: {} })),
      await runResource(policy, runtime("rt", { authorizerConfiguration: jwt })),
    );
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
    assertAccepts(
      await runResource(policy, rp(closedPolicy(RUNTIME_ARN))),
      await runResource(policy, rp(doc(allowNamed(RUNTIME_ARN), publicAllow({})))),
    );
  });

  it("accepts a policy document given as an object", async () => {
    const asObject = (document: unknown) =>
      resourcePolicy("rp", { resourceArn: RUNTIME_ARN, policy: document });
    assertAccepts(
      await runResource(policy, asObject(doc(allowNamed(RUNTIME_ARN)))),
      await runResource(policy, asObject(doc(publicAllow({})))),
    );
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
    ["InvokeAgentRuntimeCommand", { Action: "bedrock-agentcore:InvokeAgentRuntimeCommand" }],
    [
      "InvokeAgentRuntimeCommandShell",
      { Action: "bedrock-agentcore:InvokeAgentRuntimeCommandShell" },
    ],
    [
      "InvokeAgentRuntimeWithWebSocketStream",
      { Action: "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStream" },
    ],
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
    const withAllow = (action: string) =>
      rp(doc(publicAllow({ Action: action }), denyOthers(RUNTIME_ARN)));
    assertAccepts(
      await runResource(policy, withAllow("bedrock-agentcore:GetAgentRuntime")),
      await runResource(policy, withAllow("bedrock-agentcore:InvokeAgentRuntime*")),
    );
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
  const runtimePolicy = (document: unknown, extra = {}, name = "access-runtime") =>
    resourcePolicy(
      name,
      {
        resourceArn: RUNTIME_ARN,
        policy: typeof document === "string" ? document : JSON.stringify(document),
      },
      extra,
    );
  const open = doc(allowNamed(RUNTIME_ARN));

  it("accepts a runtime whose resource policy allows named roles and denies everyone else", async () => {
    assertAccepts(
      await runStack(policy, [rt, endpoint(), runtimePolicy(closedPolicy(RUNTIME_ARN))]),
      await runStack(policy, [rt, endpoint(), runtimePolicy(open)]),
    );
  });

  it("accepts several named invokers (proxy and operator roles)", async () => {
    const roles = [PROXY_ROLE_ARN, OPERATOR_ROLE_ARN];
    assertAccepts(
      await runStack(policy, [rt, runtimePolicy(closedPolicy(RUNTIME_ARN, roles))]),
      await runStack(policy, [rt, runtimePolicy(doc(allowNamed(RUNTIME_ARN, roles)))]),
    );
  });

  it("accepts a Deny with NotPrincipal naming the invokers, and Resource * (the resource itself)", async () => {
    const deny = (extra: object) => ({
      Effect: "Deny",
      NotPrincipal: { AWS: [PROXY_ROLE_ARN] },
      Action: FAMILY,
      Resource: "*",
      ...extra,
    });
    assertAccepts(
      await runStack(policy, [rt, runtimePolicy(doc(allowNamed(RUNTIME_ARN), deny({})))]),
      await runStack(policy, [
        rt,
        runtimePolicy(doc(allowNamed(RUNTIME_ARN), deny({ Action: INVOKE }))),
      ]),
    );
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
    // Without the dependency the runtime has no policy: the match above came from it.
    const unrelated = runtimePolicy(COMPUTED, {
      dependencies: [urnOf(T.lambdaFunction, "x")],
    });
    unrelated.props.resourceArn = `${RUNTIME_ARN}-other`;
    assert.equal((await runStack(policy, [previewRuntime, unrelated])).violations.length, 1);
  });

  it("matches by plain dependencies when the caller sends no per-property dependencies", async () => {
    const previewRuntime = runtime("agent-runtime", { agentRuntimeArn: COMPUTED });
    const rp = (document: string) => {
      const r = runtimePolicy(document, { dependencies: [previewRuntime.urn!] });
      r.props.resourceArn = COMPUTED;
      return r;
    };
    assertAccepts(
      await runStack(policy, [previewRuntime, rp(closedPolicy(RUNTIME_ARN))]),
      await runStack(policy, [previewRuntime, rp(JSON.stringify(open))]),
    );
  });

  it("rejects a runtime without any resource policy, reported against the runtime", async () => {
    const outcome = await runStack(policy, [rt, endpoint()]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /has no resource policy/);
    assert.match(outcome.violations[0], /denies bedrock-agentcore:InvokeAgentRuntime\*/);
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

  it("rejects a runtime whose only resource policy is attached to another runtime", async () => {
    const other = resourcePolicy("other", {
      resourceArn: `arn:aws:bedrock-agentcore:${REGION}:123456789012:runtime/other-XyZ`,
      policy: closedPolicy(RUNTIME_ARN),
    });
    const outcome = await runStack(policy, [rt, other]);
    assert.equal(outcome.violations.length, 1);
  });

  it("rejects a Deny scoped to another runtime's ARN, naming both ARNs", async () => {
    const otherArn = `arn:aws:bedrock-agentcore:${REGION}:123456789012:runtime/other-XyZ`;
    const outcome = await runStack(policy, [
      rt,
      runtimePolicy(doc(allowNamed(RUNTIME_ARN), denyOthers(otherArn))),
    ]);
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0],
      /names "arn:.*other-XyZ" as its resource, not the runtime's ARN/,
    );
    assert.match(outcome.violations[0], /Set that Deny's Resource to the runtime's ARN\.$/);
  });

  it("rejects a Deny of only the invoke actions, naming what it leaves out", async () => {
    const outcome = await runStack(policy, [
      rt,
      runtimePolicy(doc(allowNamed(RUNTIME_ARN), { ...denyOthers(RUNTIME_ARN), Action: INVOKE })),
    ]);
    assert.equal(outcome.violations.length, 1);
    for (const left of ["WithWebSocketStream", "Command", "CommandShell"]) {
      assert.match(outcome.violations[0], new RegExp(`InvokeAgentRuntime${left}\\b`));
    }
    assert.match(
      outcome.violations[0],
      /Set that Deny's Action to bedrock-agentcore:InvokeAgentRuntime\*\.$/,
    );
  });

  it("rejects a Deny that lists today's six actions but not the family's prefix", async () => {
    const six = [
      ...INVOKE,
      "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStream",
      "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStreamForUser",
      "bedrock-agentcore:InvokeAgentRuntimeCommand",
      "bedrock-agentcore:InvokeAgentRuntimeCommandShell",
    ];
    const outcome = await runStack(policy, [
      rt,
      runtimePolicy(doc(allowNamed(RUNTIME_ARN), { ...denyOthers(RUNTIME_ARN), Action: six })),
    ]);
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0],
      /actions AgentCore adds to the InvokeAgentRuntime family later/,
    );
  });

  it("rejects several resource policies on one runtime ARN, and on one endpoint ARN", async () => {
    const twice = await runStack(policy, [
      rt,
      runtimePolicy(closedPolicy(RUNTIME_ARN)),
      runtimePolicy(closedPolicy(RUNTIME_ARN), {}, "second"),
    ]);
    assert.equal(twice.violations.length, 1);
    assert.match(
      twice.violations[0],
      /has 2 resource policies on its ARN \("access-runtime", "second"\)/,
    );
    assert.match(twice.violations[0], /last write wins.*Merge them into one/);
    const onEndpoint = (name: string) =>
      resourcePolicy(name, { resourceArn: ENDPOINT_ARN, policy: closedPolicy(ENDPOINT_ARN) });
    const endpoints = await runStack(policy, [
      rt,
      runtimePolicy(closedPolicy(RUNTIME_ARN)),
      onEndpoint("ep-a"),
      onEndpoint("ep-b"),
    ]);
    assert.equal(endpoints.violations.length, 1);
    assert.match(
      endpoints.violations[0],
      /2 AgentCore resource policies \("ep-a", "ep-b"\) are attached to/,
    );
    assert.deepEqual(endpoints.urns, [urnOf(T.agentcoreResourcePolicy, "ep-b")]);
  });

  const weak: [string, unknown][] = [
    ["only an Allow for named roles (no Deny for others)", open],
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
    ["an Allow for everyone", doc({ ...allowNamed(RUNTIME_ARN), Principal: "*" })],
  ];
  for (const [what, document] of weak) {
    it(`rejects a resource policy with ${what}`, async () => {
      const outcome = await runStack(policy, [rt, runtimePolicy(document)]);
      assert.equal(outcome.violations.length, 1, what);
      assert.match(outcome.violations[0], /does not limit its sessions to named principals/);
      assert.deepEqual(outcome.urns, [rt.urn]);
    });
  }

  it("rejects a Deny of other actions as leaving the family out", async () => {
    const outcome = await runStack(policy, [
      rt,
      runtimePolicy(
        doc({ ...denyOthers(RUNTIME_ARN), Action: "bedrock-agentcore:DeleteAgentRuntime" }),
      ),
    ]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /leaves out bedrock-agentcore:InvokeAgentRuntime,/);
  });

  it("accepts an Allow naming only specific roles when requireExplicitDeny is false", async () => {
    const config = { requireExplicitDeny: false };
    assertAccepts(
      await runStack(policy, [rt, runtimePolicy(open)], { config }),
      await runStack(
        policy,
        [rt, runtimePolicy(doc({ ...allowNamed(RUNTIME_ARN), Principal: "*" }))],
        { config },
      ),
    );
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

  it("is not applicable to a stack without runtimes or resource policies", async () => {
    const outcome = await runStack(policy, [resource(T.lambdaFunction, "fn", {})]);
    assert.match(outcome.notApplicable ?? "", /no AgentCore runtime or resource policy/);
  });
});

describe("policy: agentcore-no-public-wrapper", () => {
  const policy = agentcoreNoPublicWrapper;
  const agentcoreHost = `bedrock-agentcore.${REGION}.amazonaws.com`;
  const apiHost = `a1b2c3d4e5.execute-api.${REGION}.amazonaws.com`;
  const distribution = (...domains: unknown[]) =>
    resource(T.cloudfrontDistribution, "cdn", {
      enabled: true,
      origins: domains.map((domainName, i) => ({ originId: `origin-${i}`, domainName })),
    });
  const openApi = (uri: string, extra: Record<string, unknown> = {}) => ({
    openapi: "3.0.1",
    info: { title: "chat", description: `Talks to https://${agentcoreHost}/ for you.` },
    paths: {
      "/chat": {
        post: {
          description: `Backed by https://${agentcoreHost}/runtimes/x/invocations`,
          "x-amazon-apigateway-integration": { type: "http_proxy", uri, httpMethod: "POST" },
        },
      },
    },
    ...extra,
  });
  const agentcoreUri = `https://${agentcoreHost}/runtimes/x/invocations`;
  const apiUri = `https://${apiHost}/v1/invoke`;

  it("accepts a distribution in front of API Gateway (CloudFront in front of the REST API)", async () => {
    assertAccepts(
      await runResource(policy, distribution(apiHost)),
      await runResource(policy, distribution(agentcoreHost)),
    );
  });

  it("accepts an S3 origin whose bucket name contains bedrock-agentcore", async () => {
    for (const bucket of [
      "bedrock-agentcore-docs.s3.amazonaws.com",
      `bedrock-agentcore-docs.s3.${REGION}.amazonaws.com`,
      "bedrock-agentcore.s3.amazonaws.com",
    ]) {
      assertAccepts(
        await runResource(policy, distribution(bucket)),
        await runResource(policy, distribution(bucket, agentcoreHost)),
      );
    }
  });

  for (const host of [
    agentcoreHost,
    `bedrock-agentcore-fips.${REGION}.amazonaws.com`,
    `bedrock-agentcore.${REGION}.api.aws`,
    "bedrock-agentcore.cn-north-1.amazonaws.com.cn",
    `gw-a1b2c3d4e5.gateway.bedrock-agentcore.${REGION}.amazonaws.com`,
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

  it("rejects a multi-tenant CloudFront distribution's AgentCore origin", async () => {
    const multi = (domainName: string) =>
      resource(T.cloudfrontMultitenantDistribution, "tenants", {
        comment: "saas",
        enabled: true,
        origins: [{ originId: "agents", domainName }],
      });
    assertAccepts(
      await runResource(policy, multi(apiHost)),
      await runResource(policy, multi(agentcoreHost)),
    );
  });

  it("defers when an origin's domain is computed, but reports a known AgentCore origin beside it", async () => {
    assertDeferred(await runResource(policy, distribution(COMPUTED)));
    const mixed = await runResource(policy, distribution(COMPUTED, agentcoreHost));
    assert.equal(mixed.violations.length, 1);
  });

  it("rejects REST API HTTP and AWS-service integrations that call AgentCore, the subdomain form included", async () => {
    const encoded = encodeURIComponent(RUNTIME_ARN);
    for (const [type, uri] of [
      ["HTTP_PROXY", `https://${agentcoreHost}/runtimes/${encoded}/invocations`],
      ["HTTP", `https://${agentcoreHost}/runtimes/${encoded}/invocations`],
      [
        "AWS",
        `arn:aws:apigateway:${REGION}:bedrock-agentcore:path/runtimes/${encoded}/invocations`,
      ],
      [
        "AWS",
        `arn:aws:apigateway:${REGION}:data.bedrock-agentcore:path/runtimes/${encoded}/invocations`,
      ],
    ]) {
      const outcome = await runResource(policy, resource(T.restApiIntegration, "i", { type, uri }));
      assert.equal(outcome.violations.length, 1, uri);
      assert.match(
        outcome.violations[0],
        /API Gateway integration "i" targets an AgentCore endpoint/,
      );
    }
  });

  it("accepts a Lambda proxy integration", async () => {
    const integrationOf = (uri: string) =>
      resource(T.restApiIntegration, "lambda", { type: "AWS_PROXY", uri });
    assertAccepts(
      await runResource(
        policy,
        integrationOf(
          `arn:aws:apigateway:${REGION}:lambda:path/2021-11-15/functions/arn:aws:lambda:${REGION}:123456789012:function:f/response-streaming-invocations`,
        ),
      ),
      await runResource(
        policy,
        integrationOf(`arn:aws:apigateway:${REGION}:bedrock-agentcore:path/runtimes/x/invocations`),
      ),
    );
  });

  it("rejects an HTTP API integration on AgentCore", async () => {
    const v2 = (integrationUri: string) =>
      resource(T.httpApiIntegration, "v2", { integrationType: "HTTP_PROXY", integrationUri });
    assertAccepts(
      await runResource(policy, v2(apiUri)),
      await runResource(policy, v2(agentcoreUri)),
    );
  });

  it("rejects an HTTP API quick create whose target is AgentCore", async () => {
    const quick = (target: string) =>
      resource(T.httpApi, "quick", { protocolType: "HTTP", target });
    assertAccepts(
      await runResource(policy, quick(apiUri)),
      await runResource(policy, quick(agentcoreUri)),
    );
    const outcome = await runResource(policy, quick(agentcoreUri));
    assert.match(outcome.violations[0], /quick-create target of HTTP API "quick"/);
  });

  it("reads OpenAPI bodies (REST API, RestApiPut, HTTP API; JSON or YAML) for integration URIs only", async () => {
    const bodies = (uri: string) => [
      resource(T.restApi, "api", { body: JSON.stringify(openApi(uri)) }),
      resource(T.restApiPut, "put", {
        restApiId: "a1b2c3d4e5",
        body: JSON.stringify(openApi(uri)),
      }),
      resource(T.httpApi, "http", { protocolType: "HTTP", body: JSON.stringify(openApi(uri)) }),
      resource(T.restApi, "yaml", { body: stringifyYaml(openApi(uri)) }),
      resource(T.httpApi, "named", {
        protocolType: "HTTP",
        body: JSON.stringify({
          openapi: "3.0.1",
          paths: {},
          "x-amazon-apigateway-integrations": { agent: { type: "http_proxy", uri } },
        }),
      }),
    ];
    const accepted = bodies(apiUri);
    const rejected = bodies(agentcoreUri);
    for (let i = 0; i < accepted.length; i++) {
      // The accepted bodies mention the AgentCore host in descriptions: text is not a target.
      assertAccepts(await runResource(policy, accepted[i]), await runResource(policy, rejected[i]));
      const outcome = await runResource(policy, rejected[i]);
      assert.equal(outcome.violations.length, 1, rejected[i].name);
      assert.match(outcome.violations[0], /OpenAPI body of .* targets an AgentCore endpoint/);
    }
  });

  it("rejects an OpenAPI body it cannot read, saying how to fix it", async () => {
    const outcome = await runResource(policy, resource(T.restApi, "api", { body: "{ not: [json" }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /cannot be checked because it is neither JSON nor YAML/);
    assert.match(outcome.violations[0], /Write it as a JSON or YAML OpenAPI document/);
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

describe("policy: agentcore-gateway-authorized", () => {
  const policy = agentcoreGatewayAuthorized;
  const gateway = (authorizerType: string) =>
    resource(T.agentcoreGateway, "gw", {
      name: "tools",
      authorizerType,
      roleArn: `arn:aws:iam::123456789012:role/gateway`,
      gatewayId: "tools-a1b2c3d4e5",
      id: "tools-a1b2c3d4e5",
    });
  const target = (targetConfiguration: object) =>
    resource(T.agentcoreGatewayTarget, "target", {
      gatewayIdentifier: "tools-a1b2c3d4e5",
      name: "agent",
      targetConfiguration,
    });
  const toRuntime = { http: { agentcoreRuntime: { arn: RUNTIME_ARN } } };

  it("accepts an IAM-authorized gateway in front of a runtime", async () => {
    assertAccepts(
      await runStack(policy, [gateway("AWS_IAM"), target(toRuntime)]),
      await runStack(policy, [gateway("NONE"), target(toRuntime)]),
    );
  });

  const reaching: [string, object][] = [
    ["an AgentCore runtime target", toRuntime],
    [
      "a passthrough to the AgentCore host",
      {
        http: {
          passthrough: {
            endpoint: `https://bedrock-agentcore.${REGION}.amazonaws.com/runtimes/x/invocations`,
            protocolType: "CUSTOM",
          },
        },
      },
    ],
    [
      "an MCP server on the AgentCore host",
      {
        mcp: {
          mcpServer: {
            endpoint: `https://bedrock-agentcore.${REGION}.amazonaws.com/runtimes/x/invocations`,
          },
        },
      },
    ],
    [
      "an OpenAPI target whose server is AgentCore",
      {
        mcp: {
          openApiSchema: {
            inlinePayload: {
              payload: JSON.stringify({
                openapi: "3.0.1",
                servers: [{ url: `https://bedrock-agentcore.${REGION}.amazonaws.com` }],
                paths: {},
              }),
            },
          },
        },
      },
    ],
  ];
  for (const authorizer of ["NONE", "AUTHENTICATE_ONLY"]) {
    for (const [what, config] of reaching) {
      it(`rejects ${what} on a gateway with authorizerType ${authorizer}`, async () => {
        const outcome = await runStack(policy, [gateway(authorizer), target(config)]);
        assert.equal(outcome.violations.length, 1);
        assert.match(
          outcome.violations[0],
          new RegExp(`authorizerType ${authorizer} lets callers in`),
        );
        assert.match(outcome.violations[0], /Set the gateway's authorizerType to AWS_IAM/);
        assert.deepEqual(outcome.urns, [urnOf(T.agentcoreGatewayTarget, "target")]);
      });
    }
  }

  it("accepts an open gateway whose targets do not reach AgentCore", async () => {
    const elsewhere = {
      mcp: { mcpServer: { endpoint: "https://tools.example.com/mcp" } },
    };
    assertAccepts(
      await runStack(policy, [gateway("NONE"), target(elsewhere)]),
      await runStack(policy, [gateway("NONE"), target(toRuntime)]),
    );
  });
});
