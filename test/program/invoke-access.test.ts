import { strict as assert } from "node:assert";
import { INVOCATION_FAMILY, invokerPolicy } from "../../components/agentRuntimeAccess";
import {
  arnMatch,
  Caller,
  Decision,
  evaluate,
  globMatch,
  NamedPolicy,
  SameAccountRule,
} from "../support/iam-evaluate";
import { CapturedResource, runProgram } from "../support/run-program";

/**
 * Who can reach the agent, decided by evaluating the documents the program writes: the runtime's
 * and the endpoint's resource policies and the proxy role's identity policy, as AgentCore
 * authorizes a call (against the runtime and the endpoint it goes through, both).
 */

const ACCOUNT = "123456789012";
const RUNTIME_POLICY = "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy";

/** Every action that reaches a runtime's sessions (service authorization reference). */
const FAMILY = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:InvokeAgentRuntimeForUser",
  "bedrock-agentcore:InvokeAgentRuntimeCommand",
  "bedrock-agentcore:InvokeAgentRuntimeCommandShell",
  "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStream",
  "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStreamForUser",
];
const RULES: SameAccountRule[] = ["either", "both"];

describe("the test IAM evaluator", () => {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const bucket = `arn:aws:s3:us-east-1:${ACCOUNT}:bucket/key`;
  const caller = (policies: NamedPolicy["document"][] = []): Caller => ({
    roleArn: role("app"),
    policies: policies.map((document, i) => ({ name: `p${i}`, document })),
  });
  const allow = (extra: object = {}) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow" as const, Action: "s3:GetObject", Resource: bucket, ...extra }],
  });

  it("matches wildcards as IAM does: actions without case, resources and ARN parts with it", () => {
    assert.ok(globMatch("bedrock-agentcore:invoke*", "bedrock-agentcore:InvokeAgentRuntime", true));
    assert.ok(!globMatch(`arn:aws:s3:us-east-1:${ACCOUNT}:Bucket/*`, bucket));
    assert.ok(globMatch(`arn:aws:s3:us-east-1:${ACCOUNT}:b?cket/*`, bucket));
    assert.ok(arnMatch("arn:aws:iam::*:role/app", role("app")));
    assert.ok(!arnMatch("arn:aws:iam::*:role/app", role("app2")));
    assert.ok(!arnMatch("arn:aws:iam::*:role/app", "not-an-arn"));
  });

  it("allows on an identity Allow, and an explicit Deny beats it", () => {
    const request = { action: "s3:GetObject", resource: bucket };
    assert.equal(evaluate({ ...request, caller: caller([allow()]) }, []).decision, "Allow");
    assert.equal(evaluate({ ...request, caller: caller([]) }, []).decision, "ImplicitDeny");
    const denied = evaluate(
      { ...request, caller: caller([allow(), allow({ Effect: "Deny", Action: "s3:*" })]) },
      [],
    );
    assert.deepEqual(denied, { decision: "ExplicitDeny", by: ["p1/0"] });
  });

  it("reads negated operators with several values as matching none of them", () => {
    const deny = (values: string[]) => ({
      name: "rp",
      document: {
        Statement: [
          {
            Effect: "Deny" as const,
            Principal: "*" as const,
            Action: "s3:*",
            Resource: "*",
            Condition: { ArnNotEquals: { "aws:PrincipalArn": values } },
          },
        ],
      },
    });
    const request = { action: "s3:GetObject", resource: bucket, caller: caller([allow()]) };
    assert.equal(evaluate(request, [deny([role("app"), role("ops")])]).decision, "Allow");
    assert.equal(evaluate(request, [deny([role("ops"), role("other")])]).decision, "ExplicitDeny");
  });

  it("treats a missing context key as IAM does: negated true, positive false, IfExists true", () => {
    const conditioned = (operator: string) =>
      caller([allow({ Condition: { [operator]: { "aws:SourceVpc": "vpc-1" } } })]);
    const decide = (operator: string) =>
      evaluate({ action: "s3:GetObject", resource: bucket, caller: conditioned(operator) }, [])
        .decision;
    assert.equal(decide("StringNotEquals"), "Allow");
    assert.equal(decide("StringEquals"), "ImplicitDeny");
    assert.equal(decide("StringEqualsIfExists"), "Allow");
  });

  it("lets a resource policy grant alone in its own account under IAM's rule, not the harsh one", () => {
    const resourcePolicy = {
      name: "rp",
      document: {
        Statement: [
          {
            Effect: "Allow" as const,
            Principal: { AWS: role("app") },
            Action: "s3:GetObject",
            Resource: bucket,
          },
        ],
      },
    };
    const request = { action: "s3:GetObject", resource: bucket, caller: caller([]) };
    assert.equal(evaluate(request, [resourcePolicy], "either").decision, "Allow");
    assert.equal(evaluate(request, [resourcePolicy], "both").decision, "ImplicitDeny");
  });

  it("refuses what it does not model rather than guessing", () => {
    const request = (document: object) => ({
      action: "s3:GetObject",
      resource: bucket,
      caller: caller([document as NamedPolicy["document"]]),
    });
    assert.throws(() => evaluate(request(allow({ Resource: "${aws:username}" })), []), /variables/);
    assert.throws(
      () =>
        evaluate(
          request(allow({ Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "1" } } })),
          [],
        ),
      /NumericLessThan/,
    );
  });
});

interface Stack {
  runtimeArn: string;
  endpointArn: string;
  proxy: Caller;
  operators: string[];
  /** The resource policies, by the ARN they are attached to. */
  policies: Map<string, NamedPolicy[]>;
}

function stackOf(resources: CapturedResource[]): Stack {
  const one = (type: string, name: string) => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `${type} ${name}`);
    return found[0];
  };
  const policies = new Map<string, NamedPolicy[]>();
  for (const r of resources.filter((x) => x.type === RUNTIME_POLICY)) {
    const arn = String(r.inputs.resourceArn);
    policies.set(arn, [...(policies.get(arn) ?? []), { name: r.name, document: r.inputs.policy }]);
  }
  const proxyRole = String(one("aws:iam/role:Role", "proxy-role").outputs.arn);
  const runtimeArn = String(
    one("aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime", "agent-runtime").outputs
      .agentRuntimeArn,
  );
  const endpointArn = String(
    one("aws:bedrock/agentcoreAgentRuntimeEndpoint:AgentcoreAgentRuntimeEndpoint", "agent-endpoint")
      .outputs.agentRuntimeEndpointArn,
  );
  const allowStatement = JSON.parse(policies.get(runtimeArn)![0].document as string).Statement[0];
  return {
    runtimeArn,
    endpointArn,
    proxy: {
      roleArn: proxyRole,
      policies: [
        {
          name: "proxy-role-policy",
          document: one("aws:iam/rolePolicy:RolePolicy", "proxy-role-policy").inputs.policy,
        },
      ],
    },
    operators: (allowStatement.Principal.AWS as string[]).filter((arn) => arn !== proxyRole),
    policies,
  };
}

/**
 * AgentCore's hierarchical authorization: a call through an endpoint is evaluated against the
 * runtime and against that endpoint, each with its own resource policy; both must allow.
 */
function authorize(
  stack: Stack,
  caller: Caller,
  action: string,
  endpointArn: string,
  rule: SameAccountRule,
): Decision {
  const decisions = [stack.runtimeArn, endpointArn].map((resource) =>
    evaluate({ caller, action, resource }, stack.policies.get(resource) ?? [], rule),
  );
  return (
    decisions.find((d) => d.decision === "ExplicitDeny") ??
    decisions.find((d) => d.decision === "ImplicitDeny") ??
    decisions[0]
  );
}

const identity = (roleArn: string, ...statements: object[]): Caller => ({
  roleArn,
  policies: [
    { name: "identity", document: { Version: "2012-10-17", Statement: statements } as never },
  ],
});
const administrator = identity(
  `arn:aws:iam::${ACCOUNT}:role/account-admin`,
  { Effect: "Allow", Action: "bedrock-agentcore:*", Resource: "*" },
  { Effect: "Allow", Action: "*", Resource: "*" },
);

for (const stackName of ["dev", "prod"]) {
  describe(`who can reach the agent in the ${stackName} stack`, function () {
    this.timeout(120_000);
    let stack: Stack;

    before(async () => {
      stack = stackOf(await runProgram({ stack: stackName }));
    });

    it("writes exactly one resource policy on the runtime and one on its endpoint", () => {
      assert.deepEqual(
        [...stack.policies.entries()].map(([arn, p]) => [arn, p.length]).sort(),
        [
          [stack.endpointArn, 1],
          [stack.runtimeArn, 1],
        ].sort(),
      );
    });

    const endpoints = (s: Stack) => [
      ["its endpoint", s.endpointArn],
      ["the DEFAULT endpoint (no policy of its own)", `${s.runtimeArn}/runtime-endpoint/DEFAULT`],
    ];

    it("explicitly denies an administrator with bedrock-agentcore:* every InvokeAgentRuntime* action, on every endpoint", () => {
      for (const rule of RULES) {
        for (const [where, endpointArn] of endpoints(stack)) {
          for (const action of FAMILY) {
            const d = authorize(stack, administrator, action, endpointArn, rule);
            assert.equal(d.decision, "ExplicitDeny", `${action} through ${where} (${rule})`);
            assert.ok(
              d.by.some((by) => by.endsWith("/DenyEveryoneElse")),
              d.by.join(),
            );
          }
        }
      }
    });

    it("denies the family directly on the runtime and endpoint ARNs too", () => {
      for (const resource of [stack.runtimeArn, stack.endpointArn]) {
        for (const action of FAMILY) {
          const d = evaluate(
            { caller: administrator, action, resource },
            stack.policies.get(resource)!,
          );
          assert.equal(d.decision, "ExplicitDeny", `${action} on ${resource}`);
        }
      }
    });

    it("lets the proxy invoke (with and without a user id) and stop sessions through its endpoint", () => {
      for (const rule of RULES) {
        for (const action of [
          "bedrock-agentcore:InvokeAgentRuntime",
          "bedrock-agentcore:InvokeAgentRuntimeForUser",
          "bedrock-agentcore:StopRuntimeSession",
        ]) {
          const d = authorize(stack, stack.proxy, action, stack.endpointArn, rule);
          assert.equal(d.decision, "Allow", `${action} (${rule}): ${JSON.stringify(d)}`);
        }
      }
    });

    it("keeps the proxy to least privilege: no commands, shells or WebSockets, no other endpoint", () => {
      for (const action of FAMILY.filter((a) => /Command|WebSocket/.test(a))) {
        const d = authorize(stack, stack.proxy, action, stack.endpointArn, "either");
        assert.notEqual(d.decision, "Allow", action);
      }
      const other = `${stack.runtimeArn}/runtime-endpoint/DEFAULT`;
      const d = authorize(stack, stack.proxy, FAMILY[0], other, "both");
      assert.equal(d.decision, "ImplicitDeny");
    });

    it("lets the configured operators invoke, and nobody else with the same grants", () => {
      const grant = { Effect: "Allow", Action: "bedrock-agentcore:*", Resource: "*" };
      for (const operator of stack.operators) {
        const d = authorize(stack, identity(operator, grant), FAMILY[0], stack.endpointArn, "both");
        assert.equal(d.decision, "Allow", operator);
      }
      const lookalike = identity(`arn:aws:iam::${ACCOUNT}:role/agent-operators-2`, grant);
      assert.equal(
        authorize(stack, lookalike, FAMILY[0], stack.endpointArn, "either").decision,
        "ExplicitDeny",
      );
      assert.equal(stack.operators.length, stackName === "prod" ? 1 : 0);
    });
  });
}

describe("invokerPolicy", () => {
  const arn = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:runtime/a-1`;

  it("denies the invocation family by its prefix and allows the invokers exactly what the proxy calls", () => {
    const [allow, deny] = JSON.parse(
      invokerPolicy(arn, [`arn:aws:iam::${ACCOUNT}:role/p`]),
    ).Statement;
    assert.equal(deny.Action, INVOCATION_FAMILY);
    assert.equal(INVOCATION_FAMILY, "bedrock-agentcore:InvokeAgentRuntime*");
    assert.ok(!JSON.stringify(allow.Action).includes("*"));
  });

  it("refuses an invoker ARN with a wildcard, naming the argument", () => {
    assert.throws(
      () => invokerPolicy(arn, [`arn:aws:iam::${ACCOUNT}:role/*`]),
      /`invokerRoleArns` must name roles exactly.*"arn:aws:iam::123456789012:role\/\*".*List each role's ARN instead/,
    );
  });
});
