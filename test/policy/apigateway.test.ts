import * as assert from "node:assert/strict";
import {
  apigatewayStreamEndpointRegional,
  apigatewayStreamLambdaUri,
  apigatewayStreamMethodsAuthorized,
  apigatewayStreamNoCompression,
  apigatewayStreamTimeoutWithinLambda,
  streamingApis,
} from "../../policy/apigateway";
import { T } from "../../policy/lib/types";
import {
  integration,
  INVOKE_URI,
  lambdaFunction,
  method,
  restApi,
  STREAMING_URI,
} from "./fixtures";
import {
  assertAccepts,
  COMPUTED,
  resource,
  runResource,
  runStack,
  stackArgs,
  urnOf,
} from "./helpers";

describe("policy: apigateway-stream-lambda-uri", () => {
  const policy = apigatewayStreamLambdaUri;

  it("accepts STREAM with the response-streaming-invocations URI, and BUFFERED with invocations", async () => {
    for (const [props, nearMiss] of [
      [
        { responseTransferMode: "STREAM", uri: STREAMING_URI },
        { responseTransferMode: "STREAM", uri: INVOKE_URI },
      ],
      [
        { responseTransferMode: "BUFFERED", uri: INVOKE_URI },
        { responseTransferMode: "BUFFERED", uri: STREAMING_URI },
      ],
      [
        { responseTransferMode: undefined, uri: INVOKE_URI },
        { responseTransferMode: undefined, uri: STREAMING_URI },
      ],
    ]) {
      assertAccepts(
        await runResource(policy, integration("i", props)),
        await runResource(policy, integration("i", nearMiss)),
      );
    }
  });

  it("rejects STREAM through the ordinary invocations URI", async () => {
    const outcome = await runResource(policy, integration("i", { uri: INVOKE_URI }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /responseStreamingInvokeArn/);
  });

  it("rejects BUFFERED (explicit or default) through the streaming URI", async () => {
    for (const responseTransferMode of ["BUFFERED", undefined]) {
      const outcome = await runResource(policy, integration("i", { responseTransferMode }));
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /Set responseTransferMode to STREAM/);
    }
  });

  it("rejects STREAM on a non-proxy integration", async () => {
    const outcome = await runResource(policy, integration("i", { type: "AWS" }));
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /only for AWS_PROXY and HTTP_PROXY/);
  });

  it("does not apply to non-Lambda integrations, and defers computed URIs", async () => {
    const http = await runResource(
      policy,
      integration("i", { type: "HTTP_PROXY", uri: "https://example.com/x" }),
    );
    assert.match(http.notApplicable ?? "", /Not a Lambda integration/);
    const computed = await runResource(policy, integration("i", { uri: COMPUTED }));
    assert.deepEqual(computed.violations, []);
    assert.match(computed.notApplicable ?? "", /pulumi up/);
  });
});

describe("streaming API discovery", () => {
  it("relates integrations to APIs by id, or by dependency when ids are computed", () => {
    const api = restApi("api", { id: COMPUTED });
    const byDependency = integration(
      "i",
      { restApi: COMPUTED },
      { propertyDependencies: { restApi: [api.urn!] } },
    );
    const found = streamingApis(stackArgs([api, byDependency]).resources);
    assert.deepEqual(
      found.map((f) => [f.api.name, f.integrations.map((i) => i.name)]),
      [["api", ["i"]]],
    );
    assert.equal(
      streamingApis(
        stackArgs([restApi(), integration("b", { responseTransferMode: "BUFFERED" })]).resources,
      ).length,
      0,
    );
  });
});

describe("policy: apigateway-stream-endpoint-regional", () => {
  const policy = apigatewayStreamEndpointRegional;

  it("accepts REGIONAL and PRIVATE streaming APIs (string or list)", async () => {
    for (const types of ["REGIONAL", "PRIVATE", ["REGIONAL"]]) {
      assertAccepts(
        await runStack(policy, [
          restApi("api", { endpointConfiguration: { types } }),
          integration(),
        ]),
        await runStack(policy, [
          restApi("api", { endpointConfiguration: { types: "EDGE" } }),
          integration(),
        ]),
      );
    }
  });

  it("rejects EDGE, explicit or by default, against the API", async () => {
    for (const overrides of [
      { endpointConfiguration: { types: "EDGE" } },
      { endpointConfiguration: undefined },
    ]) {
      const api = restApi("api", overrides);
      const outcome = await runStack(policy, [api, integration()]);
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /30 seconds/);
      assert.deepEqual(outcome.urns, [api.urn]);
    }
  });

  it("ignores APIs without STREAM integrations", async () => {
    const outcome = await runStack(policy, [
      restApi("api", { endpointConfiguration: undefined }),
      integration("i", { responseTransferMode: "BUFFERED", uri: INVOKE_URI }),
    ]);
    assert.match(outcome.notApplicable ?? "", /no REST API with a STREAM integration/);
  });
});

describe("policy: apigateway-stream-no-compression", () => {
  const policy = apigatewayStreamNoCompression;

  it("accepts an unset or disabled (-1) minimumCompressionSize", async () => {
    for (const minimumCompressionSize of [undefined, "-1", "", -1]) {
      assertAccepts(
        await runStack(policy, [restApi("api", { minimumCompressionSize }), integration()]),
        await runStack(policy, [restApi("api", { minimumCompressionSize: "0" }), integration()]),
      );
    }
  });

  it("rejects compression on a streaming API", async () => {
    for (const minimumCompressionSize of ["0", "1024", 1024]) {
      const outcome = await runStack(policy, [
        restApi("api", { minimumCompressionSize }),
        integration(),
      ]);
      assert.equal(outcome.violations.length, 1);
      assert.match(outcome.violations[0], /Remove minimumCompressionSize/);
    }
  });
});

describe("policy: apigateway-stream-timeout-within-lambda", () => {
  const policy = apigatewayStreamTimeoutWithinLambda;

  it("accepts an integration timeout within the Lambda's", async () => {
    assertAccepts(
      await runStack(policy, [restApi(), lambdaFunction(), integration()]),
      await runStack(policy, [restApi(), lambdaFunction("fn", { timeout: 899 }), integration()]),
    );
  });

  it("rejects an integration that waits longer than the Lambda may run", async () => {
    const fn = lambdaFunction("fn", { timeout: 300 });
    const i = integration();
    const outcome = await runStack(policy, [restApi(), fn, i]);
    assert.equal(outcome.violations.length, 1);
    assert.match(
      outcome.violations[0],
      /waits up to 900000 ms, longer than its Lambda "fn" may run \(300000 ms\)/,
    );
    assert.deepEqual(outcome.urns, [i.urn]);
  });

  it("applies the defaults (29 s integration, 3 s Lambda)", async () => {
    const outcome = await runStack(policy, [
      restApi(),
      lambdaFunction("fn", { timeout: undefined }),
      integration("i", { timeoutMilliseconds: undefined }),
    ]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /29000 ms/);
  });

  it("finds the function by dependency when the URI is computed", async () => {
    const fn = lambdaFunction("fn", { timeout: 60, arn: COMPUTED });
    const i = integration("i", { uri: COMPUTED }, { propertyDependencies: { uri: [fn.urn!] } });
    const outcome = await runStack(policy, [restApi(), fn, i]);
    assert.equal(outcome.violations.length, 1);
  });
});

describe("policy: apigateway-stream-methods-authorized", () => {
  const policy = apigatewayStreamMethodsAuthorized;

  it("accepts methods with IAM, Cognito, custom authorizers or API keys", async () => {
    const methods = [
      method("iam"),
      method("cognito", { authorization: "COGNITO_USER_POOLS", authorizerId: "auth1" }),
      method("custom", { authorization: "CUSTOM", authorizerId: "auth2" }),
      method("key", { authorization: "NONE", apiKeyRequired: true }),
    ];
    assertAccepts(
      await runStack(policy, [restApi(), integration(), ...methods]),
      await runStack(policy, [
        restApi(),
        integration(),
        ...methods,
        method("open", { authorization: "NONE" }),
      ]),
    );
  });

  it("rejects an open method on a streaming API, against the method", async () => {
    const open = method("open", { authorization: "NONE" });
    const outcome = await runStack(policy, [restApi(), integration(), open]);
    assert.equal(outcome.violations.length, 1);
    assert.match(outcome.violations[0], /requires neither authorization nor an API key/);
    assert.deepEqual(outcome.urns, [open.urn]);
  });

  it("exempts OPTIONS (CORS preflight) by default, configurable", async () => {
    const preflight = method("preflight", { httpMethod: "OPTIONS", authorization: "NONE" });
    const byDefault = await runStack(policy, [restApi(), integration(), preflight]);
    assert.deepEqual(byDefault.violations, []);
    const strict = await runStack(policy, [restApi(), integration(), preflight], {
      config: { exemptHttpMethods: [] },
    });
    assert.equal(strict.violations.length, 1);
  });

  it("ignores methods of APIs without STREAM integrations", async () => {
    const other = resource(T.restApi, "other", {
      id: "zzzzzzzzzz",
      endpointConfiguration: { types: "EDGE" },
    });
    const open = method("open", { restApi: "zzzzzzzzzz", authorization: "NONE" });
    const outcome = await runStack(policy, [restApi(), integration(), other, open]);
    assert.deepEqual(outcome.violations, []);
  });

  it("relates methods to APIs by dependency at preview", async () => {
    const api = restApi("api", { id: COMPUTED });
    const i = integration(
      "i",
      { restApi: COMPUTED },
      { propertyDependencies: { restApi: [api.urn!] } },
    );
    const open = method(
      "open",
      { restApi: COMPUTED, authorization: "NONE" },
      { dependencies: [urnOf(T.restApi, "api")] },
    );
    const outcome = await runStack(policy, [api, i, open]);
    assert.equal(outcome.violations.length, 1);
  });
});
