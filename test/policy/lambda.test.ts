import * as assert from "node:assert/strict";
import {
  lambdaNoDeployInvocation,
  lambdaNoEventSourceMapping,
  lambdaNoFunctionUrl,
  lambdaNoGatewayTarget,
  lambdaNoIdentityInvokeGrant,
  lambdaPermissionApigatewayOnly,
  sourceArnProblem,
} from "../../policy/lambda";
import { functionNameOf, PROTECTED_TAG, protectedFunctions } from "../../policy/lib/protected";
import { T } from "../../policy/lib/types";
import {
  ACCOUNT,
  doc,
  EXECUTION_ARN,
  FUNCTION_ARN,
  lambdaFunction,
  proxyFunction,
  REGION,
  runtime,
} from "./fixtures";
import {
  assertAccepts,
  COMPUTED,
  resource,
  runStack,
  stackArgs,
  TestResource,
  urnOf,
} from "./helpers";

const FN_NAME = "proxy-fn-7f3e2a1";
const proxyUrn = urnOf(T.lambdaFunction, "proxy-fn");

/** An ordinary function: its role may not invoke AgentCore, it is not tagged. */
function ordinaryFunction(): TestResource[] {
  const role = resource(T.iamRole, "thumbnails-role", {
    name: "thumbnails-role",
    arn: `arn:aws:iam::${ACCOUNT}:role/thumbnails-role`,
  });
  const grant = resource(
    T.iamRolePolicy,
    "thumbnails-policy",
    {
      role: "thumbnails-role",
      policy: JSON.stringify(
        doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/*" }),
      ),
    },
    { dependencies: [role.urn!] },
  );
  const fn = lambdaFunction("thumbnails", {
    name: "thumbnails",
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thumbnails`,
    role: `arn:aws:iam::${ACCOUNT}:role/thumbnails-role`,
  });
  return [role, grant, fn];
}

describe("protected functions", () => {
  const found = (resources: TestResource[]) => {
    const { protected: sure, undecided } = protectedFunctions(stackArgs(resources).resources);
    return { sure: sure.map((p) => [p.fn.name, p.why]), undecided: undecided.map((f) => f.name) };
  };

  it("are the functions whose role may invoke an AgentCore runtime", () => {
    assert.deepEqual(found([...proxyFunction(), ...ordinaryFunction()]), {
      sure: [["proxy-fn", 'its role "proxy-role" may invoke an AgentCore runtime']],
      undecided: [],
    });
  });

  it("include a grant through a role's inline policy or an attached managed policy of the stack", () => {
    const [role, , fn] = proxyFunction();
    const grant = JSON.stringify(
      doc({ Effect: "Allow", Action: "bedrock-agentcore:InvokeAgentRuntime", Resource: "*" }),
    );
    const inline = {
      ...role,
      props: { ...role.props, inlinePolicies: [{ name: "i", policy: grant }] },
    };
    assert.equal(found([inline, fn]).sure.length, 1);
    const managed = resource(T.iamPolicy, "managed", {
      arn: `arn:aws:iam::${ACCOUNT}:policy/agent`,
      policy: grant,
    });
    const attachment = resource(T.iamRolePolicyAttachment, "attach", {
      role: role.props.name,
      policyArn: `arn:aws:iam::${ACCOUNT}:policy/agent`,
    });
    assert.equal(found([role, managed, attachment, fn]).sure.length, 1);
    assert.equal(found([role, managed, fn]).sure.length, 0);
  });

  it("include a function tagged agentcore-guardrails:protected=true whose role is managed elsewhere", () => {
    const tagged = lambdaFunction("external", {
      role: `arn:aws:iam::${ACCOUNT}:role/managed-elsewhere`,
      tags: { [PROTECTED_TAG]: "true" },
    });
    assert.deepEqual(found([tagged]).sure, [["external", `it is tagged ${PROTECTED_TAG}=true`]]);
    assert.deepEqual(
      found([{ ...tagged, props: { ...tagged.props, tags: { team: "x" } } }]).sure,
      [],
    );
  });

  it("at preview, count a role whose computed grant is built from an AgentCore runtime's ARN", () => {
    const rt = runtime("agent-runtime", { agentRuntimeArn: COMPUTED });
    const [role, rolePolicy, fn] = proxyFunction({ grant: COMPUTED, role: COMPUTED });
    rolePolicy.props.role = COMPUTED;
    rolePolicy.dependencies = [role.urn!, rt.urn!];
    assert.equal(found([rt, role, rolePolicy, fn]).sure.length, 1);
    rolePolicy.dependencies = [role.urn!];
    assert.deepEqual(found([rt, role, rolePolicy, fn]), { sure: [], undecided: ["proxy-fn"] });
  });

  it("read function names from names and ARNs", () => {
    assert.equal(functionNameOf("f"), "f");
    assert.equal(functionNameOf(FUNCTION_ARN), FN_NAME);
    assert.equal(functionNameOf(`${FUNCTION_ARN}:3`), FN_NAME);
    assert.equal(functionNameOf(`${ACCOUNT}:function:f`), "f");
  });
});

/** The rules apply to protected functions only: every other function keeps its triggers. */
const triggers: {
  policy: typeof lambdaNoFunctionUrl;
  what: string;
  trigger: (functionRef: string) => TestResource;
  says: RegExp;
}[] = [
  {
    policy: lambdaNoFunctionUrl,
    what: "a Function URL, even with AWS_IAM auth",
    trigger: (f) =>
      resource(T.lambdaFunctionUrl, "url", { functionName: f, authorizationType: "AWS_IAM" }),
    says: /Lambda Function URL "url" gives function "proxy-fn", which fronts AgentCore because its role "proxy-role" may invoke an AgentCore runtime, a public endpoint around API Gateway\. Remove the aws\.lambda\.FunctionUrl/,
  },
  {
    policy: lambdaNoEventSourceMapping,
    what: "an event source mapping",
    trigger: (f) =>
      resource(T.lambdaEventSourceMapping, "queue", {
        functionName: f,
        eventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:prompts`,
      }),
    says: /Event source mapping "queue" invokes function "proxy-fn".*Point the mapping at another function/,
  },
  {
    policy: lambdaNoDeployInvocation,
    what: "a deploy-time invocation",
    trigger: (f) => resource(T.lambdaInvocation, "warm-up", { functionName: f, input: "{}" }),
    says: /Deploy-time invocation "warm-up" \(aws\.lambda\.Invocation\) invokes function "proxy-fn".*Remove the invocation/,
  },
  {
    policy: lambdaNoGatewayTarget,
    what: "an AgentCore Gateway Lambda target",
    trigger: (f) =>
      resource(T.agentcoreGatewayTarget, "tool", {
        gatewayIdentifier: "gw-1",
        targetConfiguration: { mcp: { lambda: { lambdaArn: f, toolSchema: {} } } },
      }),
    says: /AgentCore gateway target "tool" invokes function "proxy-fn".*Give the gateway a function of its own/,
  },
];

for (const { policy, what, trigger, says } of triggers) {
  describe(`policy: ${policy.name}`, () => {
    it(`rejects ${what} on a protected function (by name, ARN or qualified ARN), reported against it`, async () => {
      for (const ref of [FN_NAME, FUNCTION_ARN, `${FUNCTION_ARN}:live`]) {
        const t = trigger(ref);
        const outcome = await runStack(policy, [...proxyFunction(), t]);
        assert.equal(outcome.violations.length, 1, ref);
        assert.match(outcome.violations[0], says);
        assert.deepEqual(outcome.urns, [t.urn]);
      }
    });

    it(`rejects ${what} on a tagged function`, async () => {
      const tagged = proxyFunction({
        tags: { [PROTECTED_TAG]: "true" },
        grant: JSON.stringify(doc({ Effect: "Allow", Action: "s3:*", Resource: "*" })),
      });
      const outcome = await runStack(policy, [...tagged, trigger(FN_NAME)]);
      assert.equal(outcome.violations.length, 1);
      assert.match(
        outcome.violations[0],
        /because it is tagged agentcore-guardrails:protected=true/,
      );
    });

    it(`accepts ${what} on an ordinary function in the same stack`, async () => {
      assertAccepts(
        await runStack(policy, [...proxyFunction(), ...ordinaryFunction(), trigger("thumbnails")]),
        await runStack(policy, [...proxyFunction(), ...ordinaryFunction(), trigger(FN_NAME)]),
      );
    });

    it(`finds the protected function by dependency when the reference is computed`, async () => {
      const t = trigger(COMPUTED);
      t.dependencies = [proxyUrn];
      assert.equal((await runStack(policy, [...proxyFunction(), t])).violations.length, 1);
    });

    it("is not applicable to a stack without protected functions", async () => {
      const outcome = await runStack(policy, [...ordinaryFunction(), trigger("thumbnails")]);
      assert.match(outcome.notApplicable ?? "", /no function that fronts AgentCore/);
    });
  });
}

describe("policy: lambda-permission-apigateway-only", () => {
  const policy = lambdaPermissionApigatewayOnly;
  const permission = (props: Record<string, unknown>, name = "permission") =>
    resource(T.lambdaPermission, name, {
      action: "lambda:InvokeFunction",
      function: FUNCTION_ARN,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${EXECUTION_ARN}/*/*`,
      ...props,
    });
  const check = (...extra: TestResource[]) => runStack(policy, [...proxyFunction(), ...extra]);

  it("accepts API Gateway with a sourceArn naming one REST API of this account (the cancel route's shape included)", async () => {
    for (const sourceArn of [
      `${EXECUTION_ARN}/*/*`,
      `${EXECUTION_ARN}/prod/POST/invoke`,
      `${EXECUTION_ARN}/*/POST/sessions/*/cancel`,
      `${EXECUTION_ARN}/v1/DELETE/sessions/*`,
      EXECUTION_ARN,
    ]) {
      assertAccepts(
        await check(permission({ sourceArn })),
        await check(permission({ sourceArn: sourceArn.replace(ACCOUNT, "210987654321") })),
      );
    }
  });

  it("rejects an API in another account, naming both accounts", async () => {
    const outcome = await check(
      permission({ sourceArn: `arn:aws:execute-api:${REGION}:210987654321:a1b2c3d4e5/*/*` }),
    );
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0],
      /names an API in account 210987654321, not the function's account 123456789012, so other APIs can invoke it\. Set sourceArn/,
    );
  });

  it("accepts any permission on an ordinary function (other teams keep their triggers)", async () => {
    const s3 = (fn: string) =>
      permission({
        function: fn,
        principal: "s3.amazonaws.com",
        sourceArn: "arn:aws:s3:::photos",
      });
    assertAccepts(
      await check(...ordinaryFunction(), s3("thumbnails")),
      await check(...ordinaryFunction(), s3(FN_NAME)),
    );
  });

  it("waits for pulumi up when the sourceArn is computed (executionArn of a new API)", async () => {
    assert.deepEqual((await check(permission({ sourceArn: COMPUTED }))).violations, []);
  });

  it("rejects a permission without sourceArn", async () => {
    const outcome = await check(permission({ sourceArn: undefined }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /has no sourceArn/);
    assert.match(outcome.violations[0], /executionArn/);
  });

  const wildcards: [string, string][] = [
    ["a wildcard API id", `arn:aws:execute-api:${REGION}:${ACCOUNT}:*/*/*`],
    ["a wildcard account", `arn:aws:execute-api:${REGION}:*:a1b2c3d4e5/*/*`],
    ["a wildcard region", `arn:aws:execute-api:*:${ACCOUNT}:a1b2c3d4e5/*/*`],
    ["a partial API id wildcard", `arn:aws:execute-api:${REGION}:${ACCOUNT}:a1b2*/*`],
    ["another service's ARN", `arn:aws:s3:::bucket`],
  ];
  for (const [what, sourceArn] of wildcards) {
    it(`rejects a sourceArn with ${what}`, async () => {
      const outcome = await check(permission({ sourceArn }));
      assert.equal(outcome.violations.length, 1, sourceArn);
      assert.match(outcome.violations[0], /so other APIs can invoke it/);
    });
  }

  for (const principal of [
    "*",
    ACCOUNT,
    `arn:aws:iam::${ACCOUNT}:root`,
    "s3.amazonaws.com",
    "events.amazonaws.com",
    "scheduler.amazonaws.com",
  ]) {
    it(`rejects principal ${principal}`, async () => {
      const outcome = await check(permission({ principal }));
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /Only apigateway\.amazonaws\.com may/);
    });
  }

  it("ignores a permission that grants no invocation", async () => {
    assertAccepts(
      await check(permission({ action: "lambda:GetFunction", principal: "*" })),
      await check(permission({ action: "lambda:*", principal: "*" })),
    );
  });

  it("takes no allow-list: the pack's config schema has none", () => {
    assert.equal(policy.configSchema, undefined);
  });

  it("explains why a sourceArn does not name one API of the account", () => {
    assert.equal(sourceArnProblem(`${EXECUTION_ARN}/*/*`, ACCOUNT), undefined);
    assert.match(
      sourceArnProblem(`arn:aws:execute-api:${REGION}:${ACCOUNT}:*/*`) ?? "",
      /API id is a wildcard/,
    );
    assert.match(sourceArnProblem(`arn:aws:execute-api:${REGION}:*:abc/*`) ?? "", /account/);
    assert.match(
      sourceArnProblem("arn:aws:sns:us-east-1:1:t") ?? "",
      /not an API Gateway execute-api ARN/,
    );
  });
});

describe("policy: lambda-no-identity-invoke-grant", () => {
  const policy = lambdaNoIdentityInvokeGrant;
  const schedulerRole = (Resource: unknown, Action: unknown = "lambda:InvokeFunction") =>
    resource(T.iamRole, "scheduler-role", {
      name: "scheduler-role",
      assumeRolePolicy: JSON.stringify(
        doc({
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
      ),
      inlinePolicies: [
        {
          name: "invoke",
          policy: JSON.stringify(doc({ Sid: "Invoke", Effect: "Allow", Action, Resource })),
        },
      ],
    });

  it("rejects a role (EventBridge Scheduler's here) allowed to invoke the protected function", async () => {
    for (const Resource of [
      FUNCTION_ARN,
      `${FUNCTION_ARN}*`,
      "*",
      `arn:aws:lambda:*:${ACCOUNT}:function:*`,
    ]) {
      const outcome = await runStack(policy, [...proxyFunction(), schedulerRole(Resource)]);
      assert.equal(outcome.violations.length, 1, Resource);
      assert.match(
        outcome.violations[0],
        /IAM inlinePolicies\[0\] of "scheduler-role" has statement "Invoke" that allows invoking function "proxy-fn", which fronts AgentCore.*Grant lambda:InvokeFunction on other functions by ARN/,
      );
    }
  });

  it("rejects managed and user policies too, and lambda:* grants", async () => {
    const grant = JSON.stringify(
      doc({ Effect: "Allow", Action: "lambda:*", Resource: FUNCTION_ARN }),
    );
    for (const r of [
      resource(T.iamPolicy, "managed", { policy: grant }),
      resource(T.iamUserPolicy, "user", { user: "u", policy: grant }),
    ]) {
      assert.equal((await runStack(policy, [...proxyFunction(), r])).violations.length, 1, r.type);
    }
  });

  it("accepts grants on other functions", async () => {
    assertAccepts(
      await runStack(policy, [
        ...proxyFunction(),
        schedulerRole(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:thumbnails`),
      ]),
      await runStack(policy, [...proxyFunction(), schedulerRole(FUNCTION_ARN)]),
    );
  });

  it("accepts other actions on the function", async () => {
    assertAccepts(
      await runStack(policy, [
        ...proxyFunction(),
        schedulerRole(FUNCTION_ARN, "lambda:GetFunction"),
      ]),
      await runStack(policy, [...proxyFunction(), schedulerRole(FUNCTION_ARN, "lambda:Invoke*")]),
    );
  });
});
