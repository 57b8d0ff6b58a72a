import { strict as assert } from "node:assert";
import { CapturedResource, ofType, runProgram, runProgramFull } from "../support/run-program";

/* eslint-disable @typescript-eslint/no-explicit-any */

const streamingMethods = (resources: CapturedResource[]) =>
  ofType(resources, "aws:apigateway/method:Method").filter(
    (m) => m.inputs.httpMethod !== "OPTIONS",
  );
const withAuth = (auth: object, extra: Record<string, string> = {}) =>
  runProgram({ config: { "agentcore-stream:auth": JSON.stringify(auth), ...extra } });

/**
 * The value API Gateway gives a response header mapped from `mapping`, for a request with
 * `headers`: a quoted literal is static; `method.request.header.<name>` copies the request's header
 * (matched without regard to case: the harsher reading). Any other mapping fails the test, so a new
 * kind gets looked at before it passes.
 */
function mappedHeader(mapping: string, headers: Record<string, string>): string | undefined {
  const literal = /^'(.*)'$/s.exec(mapping);
  if (literal) return literal[1];
  const fromRequest = /^method\.request\.header\.(.+)$/.exec(mapping);
  if (!fromRequest) throw new Error(`a header mapping the test does not model: ${mapping}`);
  const name = fromRequest[1].toLowerCase();
  return Object.entries(headers).find(([header]) => header.toLowerCase() === name)?.[1];
}

describe("the front door under mocks", function () {
  this.timeout(180000);

  describe("auth modes", () => {
    it("apiKey: every streaming method requires a key; a usage plan meters it", async () => {
      const resources = await withAuth({ mode: "apiKey" });
      for (const m of streamingMethods(resources)) {
        assert.equal(m.inputs.apiKeyRequired, true);
        assert.equal(m.inputs.authorization, "NONE");
      }
      const [plan] = ofType(resources, "aws:apigateway/usagePlan:UsagePlan");
      assert.deepEqual(plan.inputs.throttleSettings, { rateLimit: 5, burstLimit: 10 });
      assert.deepEqual(plan.inputs.quotaSettings, { limit: 10000, period: "MONTH" });
      assert.equal(plan.inputs.apiStages[0].stage, "v1");
      assert.equal(ofType(resources, "aws:apigateway/usagePlanKey:UsagePlanKey").length, 1);
      assert.equal(ofType(resources, "aws:apigateway/authorizer:Authorizer").length, 0);
    });

    it("apiKey: the key's value is a secret stack output", async () => {
      const run = await runProgramFull({
        config: { "agentcore-stream:auth": JSON.stringify({ mode: "apiKey" }) },
      });
      const [key] = ofType(run.resources, "aws:apigateway/apiKey:ApiKey");
      assert.ok(key, "no API key");
      assert.equal(typeof key.outputs.value, "string");
      assert.equal(run.exports.apiKey, key.outputs.value, "the output is not the key's value");
      assert.ok(run.secretExports.includes("apiKey"), "the apiKey output is not a secret");
    });

    it("cognito without a pool: creates a pool and client and authorizes with them", async () => {
      const resources = await withAuth({ mode: "cognito", scopes: ["agent/invoke"] });
      const [pool] = ofType(resources, "aws:cognito/userPool:UserPool");
      const [client] = ofType(resources, "aws:cognito/userPoolClient:UserPoolClient");
      assert.ok(pool && client);
      assert.equal(client.inputs.generateSecret, false);
      const [authorizer] = ofType(resources, "aws:apigateway/authorizer:Authorizer");
      assert.equal(authorizer.inputs.type, "COGNITO_USER_POOLS");
      assert.deepEqual(authorizer.inputs.providerArns, [pool.outputs.arn]);
      for (const m of streamingMethods(resources)) {
        assert.equal(m.inputs.authorization, "COGNITO_USER_POOLS");
        assert.equal(m.inputs.authorizerId, authorizer.id);
        assert.deepEqual(m.inputs.authorizationScopes, ["agent/invoke"]);
        assert.equal(m.inputs.apiKeyRequired, false);
      }
      assert.equal(ofType(resources, "aws:apigateway/usagePlan:UsagePlan").length, 0);
    });

    it("cognito with an existing pool: creates no pool", async () => {
      const userPoolArn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc123";
      const resources = await withAuth({ mode: "cognito", userPoolArn });
      assert.equal(ofType(resources, "aws:cognito/userPool:UserPool").length, 0);
      const [authorizer] = ofType(resources, "aws:apigateway/authorizer:Authorizer");
      assert.deepEqual(authorizer.inputs.providerArns, [userPoolArn]);
    });

    it("iam: AWS_IAM on every streaming method", async () => {
      const resources = await withAuth({ mode: "iam" });
      for (const m of streamingMethods(resources)) assert.equal(m.inputs.authorization, "AWS_IAM");
      assert.equal(ofType(resources, "aws:apigateway/apiKey:ApiKey").length, 0);
    });

    it("lambda: a cached REQUEST authorizer, invocable only from this API's authorizer", async () => {
      const functionArn = "arn:aws:lambda:us-east-1:123456789012:function:my-authorizer";
      const resources = await withAuth({ mode: "lambda", functionArn, resultTtlSeconds: 120 });
      const [authorizer] = ofType(resources, "aws:apigateway/authorizer:Authorizer");
      assert.equal(authorizer.inputs.type, "REQUEST");
      assert.equal(authorizer.inputs.authorizerResultTtlInSeconds, 120);
      assert.equal(authorizer.inputs.identitySource, "method.request.header.Authorization");
      assert.equal(
        authorizer.inputs.authorizerUri,
        `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      );
      for (const m of streamingMethods(resources)) {
        assert.equal(m.inputs.authorization, "CUSTOM");
        assert.equal(m.inputs.authorizerId, authorizer.id);
      }
      const permission = ofType(resources, "aws:lambda/permission:Permission").find(
        (p) => p.inputs.function === functionArn,
      )!;
      const api = ofType(resources, "aws:apigateway/restApi:RestApi")[0];
      assert.match(
        permission.inputs.sourceArn,
        new RegExp(`^${api.outputs.executionArn}/authorizers/.+$`),
      );
    });

    it("none: open routes (allowed; the policy pack warns)", async () => {
      const resources = await withAuth({ mode: "none" });
      for (const m of streamingMethods(resources)) {
        assert.equal(m.inputs.authorization, "NONE");
        assert.equal(m.inputs.apiKeyRequired, false);
      }
    });

    it("rejects a lambda mode without a function", async () => {
      await assert.rejects(withAuth({ mode: "lambda" }), /`agentcore-stream:auth`/);
    });
  });

  describe("CORS", () => {
    const origins = ["https://app.example.com", "https://admin.example.com"];
    let resources: CapturedResource[];
    before(async () => {
      resources = await runProgram({
        config: { "agentcore-stream:corsAllowedOrigins": JSON.stringify(origins) },
      });
    });

    it("answers preflights with a MOCK integration, without auth", () => {
      const options = ofType(resources, "aws:apigateway/method:Method").filter(
        (m) => m.inputs.httpMethod === "OPTIONS",
      );
      assert.equal(options.length, 3); // /invoke, /sessions/{id}, /sessions/{id}/cancel
      for (const m of options) {
        assert.equal(m.inputs.authorization, "NONE");
        assert.notEqual(m.inputs.apiKeyRequired, true);
      }
      const mocks = ofType(resources, "aws:apigateway/integration:Integration").filter(
        (i) => i.inputs.type === "MOCK",
      );
      assert.equal(mocks.length, 3);
    });

    it("echoes only listed origins on preflights", () => {
      for (const r of ofType(resources, "aws:apigateway/integrationResponse:IntegrationResponse")) {
        const template = r.inputs.responseTemplates["application/json"];
        for (const origin of origins) assert.ok(template.includes(JSON.stringify(origin)));
        assert.match(template, /\$allowed\.contains\(\$origin\)/);
        assert.match(
          r.inputs.responseParameters["method.response.header.Access-Control-Allow-Headers"],
          /x-api-key/,
        );
      }
    });

    it("answers API Gateway's 4XX, 5XX, 401, 403 and 429 with a JSON error body", () => {
      const types = ofType(resources, "aws:apigateway/response:Response").map(
        (r) => r.inputs.responseType,
      );
      for (const t of [
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "THROTTLED",
      ]) {
        assert.ok(types.includes(t), `no gateway response for ${t}`);
      }
      for (const r of ofType(resources, "aws:apigateway/response:Response")) {
        assert.doesNotThrow(() =>
          JSON.parse(
            r.inputs.responseTemplates["application/json"]
              .replace("$context.error.messageString", '"m"')
              .replace(/\$context\.[\w.]+/g, "x"),
          ),
        );
      }
    });

    it("tells the proxy which origins may read streamed answers", () => {
      const [fn] = ofType(resources, "aws:lambda/function:Function");
      assert.equal(fn.inputs.environment.variables.CORS_ALLOWED_ORIGINS, origins.join(","));
    });

    it("redeploys the stage with the CORS routes", () => {
      const [deployment] = ofType(resources, "aws:apigateway/deployment:Deployment");
      const cors = [
        ...ofType(resources, "aws:apigateway/integrationResponse:IntegrationResponse"),
        ...ofType(resources, "aws:apigateway/response:Response"),
      ];
      for (const r of cors) assert.ok(deployment.dependencies.includes(r.urn), `${r.name}`);
    });

    it("adds nothing when no origin is configured", async () => {
      const plain = await runProgram({ config: { "agentcore-stream:corsAllowedOrigins": "[]" } });
      assert.equal(ofType(plain, "aws:apigateway/response:Response").length, 0);
      assert.equal(
        ofType(plain, "aws:apigateway/method:Method").filter(
          (m) => m.inputs.httpMethod === "OPTIONS",
        ).length,
        0,
      );
    });
  });

  describe("CORS on API Gateway's own responses", () => {
    const FOREIGN = "https://evil.example";
    /** Access-Control-Allow-Origin on every response API Gateway answers by itself, for a request from FOREIGN. */
    const allowedOriginsFor = async (origins: string[]) => {
      const resources = await runProgram({
        config: { "agentcore-stream:corsAllowedOrigins": JSON.stringify(origins) },
      });
      const answers = [
        ...ofType(resources, "aws:apigateway/response:Response"),
        ...ofType(resources, "aws:apigateway/integrationResponse:IntegrationResponse"),
      ];
      assert.ok(answers.length > 0, "no gateway or preflight responses");
      return answers.map((r) => {
        const [mapping] = Object.entries(r.inputs.responseParameters as Record<string, string>)
          .filter(([header]) => header.endsWith(".header.Access-Control-Allow-Origin"))
          .map(([, value]) => value);
        return {
          name: r.name,
          type: r.type,
          value: mapping === undefined ? undefined : mappedHeader(mapping, { Origin: FOREIGN }),
        };
      });
    };

    it("never echoes an origin outside the list (several origins: no Allow-Origin at all)", async () => {
      const origins = ["https://app.example.com", "https://admin.example.com"];
      for (const answer of await allowedOriginsFor(origins)) {
        assert.equal(answer.value, undefined, `${answer.name} allows ${answer.value}`);
      }
    });

    it("allows the one configured origin, statically", async () => {
      const answers = await allowedOriginsFor(["https://app.example.com"]);
      for (const answer of answers) {
        assert.equal(answer.value, "https://app.example.com", answer.name);
      }
    });

    it("allows any origin only when `*` is configured", async () => {
      for (const answer of await allowedOriginsFor(["*"])) {
        assert.equal(answer.value, "*", answer.name);
      }
    });
  });

  describe("throttling", () => {
    it("throttles single routes beside the stage", async () => {
      const resources = await runProgram({
        config: {
          "agentcore-stream:routeThrottle": JSON.stringify({
            "POST /invoke": { rateLimit: 2, burstLimit: 4 },
          }),
        },
      });
      const settings = ofType(resources, "aws:apigateway/methodSettings:MethodSettings");
      const invoke = settings.find((s) => s.inputs.methodPath === "invoke/POST")!;
      assert.equal(invoke.inputs.settings.throttlingRateLimit, 2);
      assert.equal(invoke.inputs.settings.throttlingBurstLimit, 4);
      assert.ok(settings.find((s) => s.inputs.methodPath === "*/*"));
    });
  });

  describe("custom domain", () => {
    it("creates and validates a certificate in the zone, maps the stage, aliases the name", async () => {
      const resources = await runProgram({
        config: {
          "agentcore-stream:customDomain": JSON.stringify({
            domainName: "agent.example.com",
            hostedZoneId: "Z0123456789ABC",
          }),
        },
      });
      const [cert] = ofType(resources, "aws:acm/certificate:Certificate");
      assert.equal(cert.inputs.validationMethod, "DNS");
      assert.equal(
        ofType(resources, "aws:acm/certificateValidation:CertificateValidation").length,
        1,
      );
      const [domain] = ofType(resources, "aws:apigateway/domainName:DomainName");
      assert.equal(domain.inputs.securityPolicy, "TLS_1_2");
      assert.deepEqual(domain.inputs.endpointConfiguration, { types: "REGIONAL" });
      const [mapping] = ofType(resources, "aws:apigateway/basePathMapping:BasePathMapping");
      assert.equal(mapping.inputs.stageName, "v1");
      const records = ofType(resources, "aws:route53/record:Record");
      assert.ok(records.find((r) => r.inputs.type === "A" && r.inputs.aliases?.length === 1));
    });

    it("uses an existing certificate without touching DNS when no zone is given", async () => {
      const certificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
      const resources = await runProgram({
        config: {
          "agentcore-stream:customDomain": JSON.stringify({
            domainName: "agent.example.com",
            certificateArn,
          }),
        },
      });
      assert.equal(ofType(resources, "aws:acm/certificate:Certificate").length, 0);
      assert.equal(ofType(resources, "aws:route53/record:Record").length, 0);
      const [domain] = ofType(resources, "aws:apigateway/domainName:DomainName");
      assert.equal(domain.inputs.regionalCertificateArn, certificateArn);
    });

    it("rejects a domain with neither certificate nor zone", async () => {
      await assert.rejects(
        runProgram({
          config: {
            "agentcore-stream:customDomain": JSON.stringify({ domainName: "agent.example.com" }),
          },
        }),
        /`agentcore-stream:customDomain`/,
      );
    });

    it("creates no domain resources by default", async () => {
      const resources = await runProgram();
      assert.equal(ofType(resources, "aws:apigateway/domainName:DomainName").length, 0);
    });
  });

  describe("WAF", () => {
    it("creates a WebACL with a rate rule and the common rule set, and associates it with the stage", async () => {
      const resources = await runProgram({
        config: { "agentcore-stream:waf": JSON.stringify({ rateLimitPer5Minutes: 500 }) },
      });
      const [acl] = ofType(resources, "aws:wafv2/webAcl:WebAcl");
      assert.equal(acl.inputs.scope, "REGIONAL");
      assert.equal(acl.inputs.rules[0].statement.rateBasedStatement.limit, 500);
      assert.equal(
        acl.inputs.rules[1].statement.managedRuleGroupStatement.name,
        "AWSManagedRulesCommonRuleSet",
      );
      const [association] = ofType(resources, "aws:wafv2/webAclAssociation:WebAclAssociation");
      const [stage] = ofType(resources, "aws:apigateway/stage:Stage");
      assert.equal(association.inputs.resourceArn, stage.outputs.arn);
    });

    it("associates an existing WebACL without creating one", async () => {
      const webAclArn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shared/abcd";
      const resources = await runProgram({
        config: { "agentcore-stream:waf": JSON.stringify({ webAclArn }) },
      });
      assert.equal(ofType(resources, "aws:wafv2/webAcl:WebAcl").length, 0);
      const [association] = ofType(resources, "aws:wafv2/webAclAssociation:WebAclAssociation");
      assert.equal(association.inputs.webAclArn, webAclArn);
    });

    it("creates none by default", async () => {
      const resources = await runProgram();
      assert.equal(ofType(resources, "aws:wafv2/webAclAssociation:WebAclAssociation").length, 0);
    });
  });

  describe("observability", () => {
    it("alarms on API 5XX, p99 latency, Lambda errors and throttles, runtime errors to the topic", async () => {
      const snsTopicArn = "arn:aws:sns:us-east-1:123456789012:oncall";
      const resources = await runProgram({
        config: { "agentcore-stream:alarms": JSON.stringify({ snsTopicArn, p99LatencyMs: 30000 }) },
      });
      const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
      assert.deepEqual(alarms.map((a) => `${a.inputs.namespace} ${a.inputs.metricName}`).sort(), [
        "AWS/ApiGateway 5XXError",
        "AWS/ApiGateway Latency",
        "AWS/Bedrock-AgentCore SystemErrors",
        "AWS/Lambda Errors",
        "AWS/Lambda Throttles",
      ]);
      for (const a of alarms) assert.deepEqual(a.inputs.alarmActions, [snsTopicArn]);
      const latency = alarms.find((a) => a.inputs.metricName === "Latency")!;
      assert.equal(latency.inputs.threshold, 30000);
      assert.equal(latency.inputs.extendedStatistic, "p99");
    });

    it("builds a dashboard of the API, the proxy and the runtime", async () => {
      const resources = await runProgram();
      const [dashboard] = ofType(resources, "aws:cloudwatch/dashboard:Dashboard");
      const body = JSON.parse(dashboard.inputs.dashboardBody);
      const namespaces = new Set(
        body.widgets.flatMap((w: any) => w.properties.metrics.map((m: any) => m[0])),
      );
      for (const ns of ["AWS/ApiGateway", "AWS/Lambda", "AWS/Bedrock-AgentCore"])
        assert.ok(namespaces.has(ns));
      assert.equal(ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
    });

    it("turns X-Ray off on the stage and the Lambda when told to", async () => {
      const resources = await runProgram({ config: { "agentcore-stream:tracing": "false" } });
      assert.equal(
        ofType(resources, "aws:apigateway/stage:Stage")[0].inputs.xrayTracingEnabled,
        false,
      );
      assert.deepEqual(ofType(resources, "aws:lambda/function:Function")[0].inputs.tracingConfig, {
        mode: "PassThrough",
      });
    });
  });
});
