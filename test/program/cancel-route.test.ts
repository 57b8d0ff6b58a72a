import { strict as assert } from "node:assert";
import * as path from "node:path";
import { CapturedResource, ofType, runProgram, runProgramFull } from "../support/run-program";

/**
 * POST /sessions/{sessionId}/cancel under mocks: the same front door as the other routes. In AWS
 * it is the only way to stop an answer (Lambda is never told that its client left), so a gap here
 * (no permission, no CORS, a stage that never redeploys) means a Stop button that does nothing.
 */

const T = {
  resource: "aws:apigateway/resource:Resource",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  integrationResponse: "aws:apigateway/integrationResponse:IntegrationResponse",
  permission: "aws:lambda/permission:Permission",
  deployment: "aws:apigateway/deployment:Deployment",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  restApi: "aws:apigateway/restApi:RestApi",
  fn: "aws:lambda/function:Function",
};

/** The `cancel` resource (its parent is checked by the first test). */
function cancelResource(resources: CapturedResource[]): CapturedResource {
  const [cancel] = ofType(resources, T.resource).filter((r) => r.inputs.pathPart === "cancel");
  assert.ok(cancel, "no cancel resource");
  return cancel;
}

function on(
  resources: CapturedResource[],
  type: string,
  resource: CapturedResource,
  method: string,
) {
  const [found] = ofType(resources, type).filter(
    (r) => r.inputs.resourceId === resource.id && r.inputs.httpMethod === method,
  );
  assert.ok(found, `no ${type} for ${method} on ${resource.name}`);
  return found;
}

describe("the cancel route under mocks", function () {
  this.timeout(180000);
  let resources: CapturedResource[];

  before(async () => {
    resources = await runProgram({
      config: {
        "agentcore-stream:routeThrottle": JSON.stringify({
          "POST /sessions/{sessionId}/cancel": { rateLimit: 3, burstLimit: 6 },
        }),
      },
    });
  });

  it("is a POST on /sessions/{sessionId}/cancel, authorized like every streaming route", () => {
    const cancel = cancelResource(resources);
    const byPart = (part: string) =>
      ofType(resources, T.resource).find((r) => r.inputs.pathPart === part)!;
    assert.equal(cancel.inputs.parentId, byPart("{sessionId}").id);
    assert.equal(byPart("{sessionId}").inputs.parentId, byPart("sessions").id);
    assert.equal(
      byPart("sessions").inputs.parentId,
      ofType(resources, T.restApi)[0]!.outputs.rootResourceId,
    );
    const method = on(resources, T.method, cancel, "POST");
    assert.deepEqual(method.inputs.requestParameters, { "method.request.path.sessionId": true });
    // Pulumi.dev.yaml uses API keys: the cancel needs the same key as the answer it stops.
    assert.equal(method.inputs.apiKeyRequired, true);
    assert.equal(method.inputs.authorization, "NONE");
  });

  it("streams through the function's response-streaming URI like the other routes", () => {
    const integration = on(resources, T.integration, cancelResource(resources), "POST");
    const [fn] = ofType(resources, T.fn);
    assert.equal(integration.inputs.type, "AWS_PROXY");
    assert.equal(integration.inputs.responseTransferMode, "STREAM");
    assert.equal(integration.inputs.uri, fn!.outputs.responseStreamingInvokeArn);
    assert.equal(integration.inputs.timeoutMilliseconds, 900000);
  });

  it("has a Lambda permission scoped to this API, stage, method and path", () => {
    const executionArn = ofType(resources, T.restApi)[0]!.outputs.executionArn;
    const sourceArns = ofType(resources, T.permission).map((p) => p.inputs.sourceArn);
    assert.ok(
      sourceArns.includes(`${executionArn}/v1/POST/sessions/*/cancel`),
      JSON.stringify(sourceArns),
    );
  });

  it("answers the browser's preflight itself, allowing POST", () => {
    const cancel = cancelResource(resources);
    const preflight = on(resources, T.integration, cancel, "OPTIONS");
    assert.equal(preflight.inputs.type, "MOCK");
    const response = on(resources, T.integrationResponse, cancel, "OPTIONS");
    assert.equal(
      response.inputs.responseParameters["method.response.header.Access-Control-Allow-Methods"],
      "'OPTIONS,POST'",
    );
  });

  it("takes a throttle of its own from routeThrottle", () => {
    const [settings] = ofType(resources, T.methodSettings).filter(
      (s) => s.inputs.methodPath === "sessions/{sessionId}/cancel/POST",
    );
    assert.ok(settings, "no method settings for the cancel route");
    assert.equal(settings.inputs.settings.throttlingRateLimit, 3);
    assert.equal(settings.inputs.settings.throttlingBurstLimit, 6);
  });

  it("redeploys the stage: the deployment waits for the route and its integration", () => {
    const cancel = cancelResource(resources);
    const [deployment] = ofType(resources, T.deployment);
    for (const r of [
      on(resources, T.method, cancel, "POST"),
      on(resources, T.integration, cancel, "POST"),
      on(resources, T.method, cancel, "OPTIONS"),
    ]) {
      assert.ok(deployment!.dependencies.includes(r.urn), `${r.name} is not a dependency`);
    }
  });

  it("redeploys the stage when only the cancel route's integration changes", async () => {
    const program = path.join(__dirname, "fixtures", "streaming-api-alone.ts");
    const hashFor = async (variant: Record<string, unknown>) =>
      String(
        (await runProgramFull({ program, env: { API_VARIANT: JSON.stringify(variant) } })).exports
          .deploymentHash,
      );
    const baseline = await hashFor({});
    assert.notEqual(
      await hashFor({
        responseTransferMode: "BUFFERED",
        onlyRoute: "-post-sessions-sessionId-cancel",
      }),
      baseline,
    );
  });
});
