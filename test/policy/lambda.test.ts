import * as assert from "node:assert/strict";
import {
  functionNameOf,
  lambdaNoFunctionUrl,
  lambdaPermissionApigatewayOnly,
  sourceArnProblem,
} from "../../policy/lambda";
import { T } from "../../policy/lib/types";
import { ACCOUNT, EXECUTION_ARN, FUNCTION_ARN, REGION } from "./fixtures";
import { assertDeferred, COMPUTED, resource, runResource } from "./helpers";

describe("policy: lambda-no-function-url", () => {
  const policy = lambdaNoFunctionUrl;
  const url = (props: Record<string, unknown> = {}) =>
    resource(T.lambdaFunctionUrl, "url", {
      functionName: "proxy-fn-7f3e2a1",
      authorizationType: "NONE",
      ...props,
    });

  it("rejects every Function URL by default, even with IAM auth or a computed function", async () => {
    for (const props of [{}, { authorizationType: "AWS_IAM" }, { functionName: COMPUTED }]) {
      const outcome = await runResource(policy, url(props));
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /Remove the aws.lambda.FunctionUrl/);
      assert.match(outcome.violations[0], /API Gateway REST API/);
    }
  });

  it("accepts an allow-listed function (by name or ARN) with AWS_IAM auth", async () => {
    for (const allowed of ["proxy-fn-7f3e2a1", FUNCTION_ARN, `${FUNCTION_ARN}:live`]) {
      const config = { allowedFunctions: [allowed] };
      const outcome = await runResource(
        policy,
        url({ functionName: FUNCTION_ARN, authorizationType: "AWS_IAM" }),
        {
          config,
        },
      );
      assert.deepEqual(outcome.violations, [], allowed);
    }
  });

  it("rejects an allow-listed function with authorizationType NONE unless allowNoneAuthorization", async () => {
    const strict = await runResource(policy, url(), {
      config: { allowedFunctions: ["proxy-fn-7f3e2a1"] },
    });
    assert.equal(strict.violations.length, 1);
    assert.match(strict.violations[0], /Set authorizationType to AWS_IAM/);
    const relaxed = await runResource(policy, url(), {
      config: { allowedFunctions: ["proxy-fn-7f3e2a1"], allowNoneAuthorization: true },
    });
    assert.deepEqual(relaxed.violations, []);
  });

  it("rejects a function that is not allow-listed", async () => {
    const outcome = await runResource(policy, url({ functionName: "other" }), {
      config: { allowedFunctions: ["proxy-fn-7f3e2a1"] },
    });
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /not in allowedFunctions/);
  });

  it("defers when an allow-list exists and the function name is computed", async () => {
    assertDeferred(
      await runResource(policy, url({ functionName: COMPUTED }), {
        config: { allowedFunctions: ["x"] },
      }),
    );
  });

  it("reads function names from names and ARNs", () => {
    assert.equal(functionNameOf("f"), "f");
    assert.equal(functionNameOf(FUNCTION_ARN), "proxy-fn-7f3e2a1");
    assert.equal(functionNameOf(`${FUNCTION_ARN}:3`), "proxy-fn-7f3e2a1");
    assert.equal(functionNameOf(`${ACCOUNT}:function:f`), "f");
  });
});

describe("policy: lambda-permission-apigateway-only", () => {
  const policy = lambdaPermissionApigatewayOnly;
  const permission = (props: Record<string, unknown>) =>
    resource(T.lambdaPermission, "permission", {
      action: "lambda:InvokeFunction",
      function: "proxy-fn-7f3e2a1",
      principal: "apigateway.amazonaws.com",
      sourceArn: `${EXECUTION_ARN}/*/*`,
      ...props,
    });

  it("accepts API Gateway with a sourceArn naming one REST API", async () => {
    for (const sourceArn of [
      `${EXECUTION_ARN}/*/*`,
      `${EXECUTION_ARN}/prod/POST/invoke`,
      EXECUTION_ARN,
    ]) {
      const outcome = await runResource(policy, permission({ sourceArn }));
      assert.deepEqual(outcome.violations, [], sourceArn);
      assert.equal(outcome.notApplicable, undefined);
    }
  });

  it("defers the sourceArn check to pulumi up when it is computed (executionArn of a new API)", async () => {
    assertDeferred(await runResource(policy, permission({ sourceArn: COMPUTED })));
  });

  it("rejects a permission without sourceArn, at preview", async () => {
    const outcome = await runResource(policy, permission({ sourceArn: undefined }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /no sourceArn/);
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
      const outcome = await runResource(policy, permission({ sourceArn }));
      assert.equal(outcome.violations.length, 1, sourceArn);
      assert.match(outcome.violations[0], /so other APIs can invoke/);
    });
  }

  for (const principal of [
    "*",
    ACCOUNT,
    `arn:aws:iam::${ACCOUNT}:root`,
    "s3.amazonaws.com",
    "events.amazonaws.com",
  ]) {
    it(`rejects principal ${principal}`, async () => {
      const outcome = await runResource(policy, permission({ principal }));
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /Only apigateway.amazonaws.com may invoke/);
    });
  }

  it("lets allowedPrincipals invoke, but only with a sourceArn", async () => {
    const config = { allowedPrincipals: ["events.amazonaws.com"] };
    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`;
    const scoped = await runResource(
      policy,
      permission({ principal: "events.amazonaws.com", sourceArn: rule }),
      {
        config,
      },
    );
    assert.deepEqual(scoped.violations, []);
    const open = await runResource(
      policy,
      permission({ principal: "events.amazonaws.com", sourceArn: undefined }),
      {
        config,
      },
    );
    assert.equal(open.violations.length, 1);
    assert.match(open.violations[0], /from any source/);
  });

  it("defers when the principal itself is computed", async () => {
    assertDeferred(await runResource(policy, permission({ principal: COMPUTED })));
  });

  it("explains why a sourceArn does not name one API", () => {
    assert.equal(sourceArnProblem(`${EXECUTION_ARN}/*/*`), undefined);
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
