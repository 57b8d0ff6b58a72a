import * as assert from "node:assert/strict";
import { iamAgentcoreInvokeNotWildcard } from "../../policy/iam";
import { T } from "../../policy/lib/types";
import { doc, ENDPOINT_ARN, RUNTIME_ARN } from "./fixtures";
import { assertAccepts, COMPUTED, resource, runResource } from "./helpers";

describe("policy: iam-agentcore-invoke-not-wildcard", () => {
  const policy = iamAgentcoreInvokeNotWildcard;
  const grant = (Resource: unknown, overrides: Record<string, unknown> = {}) => ({
    Sid: "Invoke",
    Effect: "Allow",
    Action: ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"],
    Resource,
    ...overrides,
  });
  const rolePolicy = (document: unknown) =>
    resource(T.iamRolePolicy, "role-policy", {
      role: "proxy-role",
      policy: typeof document === "string" ? document : JSON.stringify(document),
    });

  it("accepts grants on the runtime and endpoint ARNs (endpoint names may be wildcards)", async () => {
    for (const resources of [[RUNTIME_ARN, ENDPOINT_ARN], [`${RUNTIME_ARN}/runtime-endpoint/*`]]) {
      assertAccepts(
        await runResource(policy, rolePolicy(doc(grant(resources)))),
        await runResource(policy, rolePolicy(doc(grant([...resources, "*"])))),
      );
    }
  });

  it("accepts unrelated wildcard grants (X-Ray) and wildcard Denies", async () => {
    const withGrant = (effect: string) =>
      rolePolicy(
        doc(
          { Effect: "Allow", Action: ["xray:PutTraceSegments"], Resource: "*" },
          grant("*", { Effect: effect }),
        ),
      );
    assertAccepts(
      await runResource(policy, withGrant("Deny")),
      await runResource(policy, withGrant("Allow")),
    );
  });

  const wildcards: [string, Record<string, unknown>][] = [
    ['Resource "*"', grant("*")],
    [
      "every runtime of the account",
      grant("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*"),
    ],
    ["every runtime anywhere", grant("arn:aws:bedrock-agentcore:*:*:*")],
    ["NotResource", { ...grant(undefined), NotResource: RUNTIME_ARN }],
    ["bedrock-agentcore:* on *", grant("*", { Action: "bedrock-agentcore:*" })],
    ["Action * on *", grant(["*"], { Action: "*" })],
    [
      "InvokeAgentRuntimeCommand on *",
      grant("*", { Action: "bedrock-agentcore:InvokeAgentRuntimeCommand" }),
    ],
  ];
  for (const [what, statement] of wildcards) {
    it(`rejects InvokeAgentRuntime on ${what}`, async () => {
      const outcome = await runResource(policy, rolePolicy(doc(statement)));
      assert.equal(outcome.violations.length, 1, what);
      assert.match(outcome.violations[0], /statement "Invoke"|statement 0/);
      assert.match(
        outcome.violations[0],
        /Grant it on the runtime ARN and its endpoint ARN instead/,
      );
    });
  }

  it("checks managed, user, group and role-inline policies too", async () => {
    const document = JSON.stringify(doc(grant("*")));
    const resources = [
      resource(T.iamPolicy, "managed", { policy: document }),
      resource(T.iamUserPolicy, "user", { user: "u", policy: document }),
      resource(T.iamGroupPolicy, "group", { group: "g", policy: document }),
      resource(T.iamRole, "role", {
        assumeRolePolicy: "{}",
        inlinePolicies: [{ name: "inline", policy: document }],
      }),
    ];
    for (const r of resources) {
      const outcome = await runResource(policy, r);
      assert.equal(outcome.violations.length, 1, r.type);
    }
  });

  it("defers computed documents, and computed resources in object documents", async () => {
    for (const r of [
      rolePolicy(COMPUTED),
      resource(T.iamRolePolicy, "p", { policy: doc(grant(COMPUTED)) }),
    ]) {
      const outcome = await runResource(policy, r);
      assert.deepEqual(outcome.violations, []);
      assert.match(outcome.notApplicable ?? "", /pulumi up/);
    }
  });
});
