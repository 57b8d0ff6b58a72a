import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  AnalysisResult,
  Diagnostic,
  PolicyPackAnalyzer,
  PolicyPackConfigFile,
} from "../../policy/check";
import { RunProgramOptions, runProgram } from "../support/run-program";
import { asRealPreview } from "./helpers";

/**
 * Red-team stacks: the shipped program plus one way around the proxy each, run under mocks and
 * sent through the pack's own analyzer server as the Pulumi CLI runs it (Analyze per resource,
 * AnalyzeStack once), with the dev stack's policy config. Each must draw its mandatory violation,
 * on the resource at fault, with a message that says what to do instead; nothing of the shipped
 * program may be flagged because of it. Those marked `atPreview` are decided by values a real
 * preview of a new stack knows, and are caught there too. Then legitimate neighbours (other
 * teams' functions and fronts) that must draw nothing.
 *
 * Each variant is sent to the program's process as source text: it refers to nothing outside
 * itself but `p` (@pulumi/pulumi), `aws` (@pulumi/aws) and `program` (the program's exports).
 */

type Extra = NonNullable<RunProgramOptions["extraResources"]>;
type Out = import("@pulumi/pulumi").Output<string>;

interface RedTeam {
  category: string;
  what: string;
  policy: string;
  /** The resource the violation is reported against. */
  resource: string;
  atPreview: boolean;
  extra: Extra;
}

const PACK_DIR = path.join(__dirname, "..", "..", "policy");
const CONFIG = JSON.parse(
  readFileSync(path.join(PACK_DIR, "config", "dev.json"), "utf8"),
) as PolicyPackConfigFile;

/** A message that says what to do instead: a sentence that starts with the fix. */
const FIX = /(^|[.;] )(Set|Remove|Attach|Merge|Point|Give|Grant|Front|Write|Serve|Map|Allow|Add) /i;

const RED_TEAM: RedTeam[] = [
  {
    category: "program",
    what: "a runtime whose resource policy denies only InvokeAgentRuntimeForUser",
    policy: "agentcore-runtime-fronted",
    resource: "rogue-runtime",
    atPreview: false,
    extra: (_p, aws) => {
      const rt = new aws.bedrock.AgentcoreAgentRuntime("rogue-runtime", {
        agentRuntimeName: "rogue",
        roleArn: "arn:aws:iam::123456789012:role/rogue",
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/rogue@sha256:00",
          },
        },
        networkConfiguration: { networkMode: "PUBLIC" },
      });
      new aws.bedrock.AgentcoreResourcePolicy("rogue-policy", {
        resourceArn: rt.agentRuntimeArn,
        policy: rt.agentRuntimeArn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: "bedrock-agentcore:InvokeAgentRuntimeForUser",
                Resource: arn,
                Condition: {
                  ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/proxy"] },
                },
              },
            ],
          }),
        ),
      });
    },
  },
  {
    category: "program",
    what: "a runtime whose Deny names another runtime's ARN",
    policy: "agentcore-runtime-fronted",
    resource: "rogue-runtime",
    atPreview: false,
    extra: (_p, aws) => {
      const rt = new aws.bedrock.AgentcoreAgentRuntime("rogue-runtime", {
        agentRuntimeName: "rogue",
        roleArn: "arn:aws:iam::123456789012:role/rogue",
        agentRuntimeArtifact: {
          containerConfiguration: {
            containerUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/rogue@sha256:00",
          },
        },
        networkConfiguration: { networkMode: "PUBLIC" },
      });
      new aws.bedrock.AgentcoreResourcePolicy("rogue-policy", {
        resourceArn: rt.agentRuntimeArn,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Principal: "*",
              Action: "bedrock-agentcore:InvokeAgentRuntime*",
              Resource: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/elsewhere-AbC",
              Condition: {
                ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/proxy"] },
              },
            },
          ],
        }),
      });
    },
  },
  {
    category: "program",
    what: "a second resource policy on the shipped runtime (the last write wins)",
    policy: "agentcore-runtime-fronted",
    resource: "agent-runtime",
    atPreview: false,
    extra: (_p, aws, program) => {
      new aws.bedrock.AgentcoreResourcePolicy("second-policy", {
        resourceArn: program.runtimeArn as Out,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:role/someone" },
              Action: "bedrock-agentcore:InvokeAgentRuntime",
              Resource: "*",
            },
          ],
        }),
      });
    },
  },
  {
    category: "program",
    what: "a resource policy that lets everyone run commands in sessions",
    policy: "agentcore-resource-policy-no-public-principal",
    resource: "public-command",
    atPreview: true,
    extra: (_p, aws) => {
      const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other-AbCdEf1234";
      new aws.bedrock.AgentcoreResourcePolicy("public-command", {
        resourceArn: arn,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: "bedrock-agentcore:InvokeAgentRuntimeCommand",
              Resource: arn,
            },
          ],
        }),
      });
    },
  },
  {
    category: "protected functions",
    what: "a Function URL on the proxy",
    policy: "lambda-no-function-url",
    resource: "open-url",
    atPreview: true,
    extra: (_p, aws, program) => {
      new aws.lambda.FunctionUrl("open-url", {
        functionName: program.functionName as Out,
        authorizationType: "AWS_IAM",
      });
    },
  },
  {
    category: "protected functions",
    what: "a permission for EventBridge on the proxy",
    policy: "lambda-permission-apigateway-only",
    resource: "nightly",
    atPreview: true,
    extra: (_p, aws, program) => {
      new aws.lambda.Permission("nightly", {
        action: "lambda:InvokeFunction",
        function: program.functionName as Out,
        principal: "events.amazonaws.com",
        sourceArn: "arn:aws:events:us-east-1:123456789012:rule/nightly",
      });
    },
  },
  {
    category: "protected functions",
    what: "an API Gateway permission for an API in another account",
    policy: "lambda-permission-apigateway-only",
    resource: "foreign-api",
    atPreview: false,
    extra: (_p, aws, program) => {
      new aws.lambda.Permission("foreign-api", {
        action: "lambda:InvokeFunction",
        function: program.functionName as Out,
        principal: "apigateway.amazonaws.com",
        sourceArn: "arn:aws:execute-api:us-east-1:210987654321:a1b2c3d4e5/*/POST/invoke",
      });
    },
  },
  {
    category: "protected functions",
    what: "an event source mapping on the proxy",
    policy: "lambda-no-event-source-mapping",
    resource: "prompt-queue",
    atPreview: true,
    extra: (_p, aws, program) => {
      new aws.lambda.EventSourceMapping("prompt-queue", {
        functionName: program.functionName as Out,
        eventSourceArn: "arn:aws:sqs:us-east-1:123456789012:prompts",
      });
    },
  },
  {
    category: "protected functions",
    what: "a deploy-time invocation of the proxy",
    policy: "lambda-no-deploy-invocation",
    resource: "warm-up",
    atPreview: true,
    extra: (_p, aws, program) => {
      new aws.lambda.Invocation("warm-up", {
        functionName: program.functionName as Out,
        input: JSON.stringify({ body: '{"prompt":"hi"}' }),
      });
    },
  },
  {
    category: "protected functions",
    what: "an EventBridge Scheduler role allowed to invoke the proxy",
    policy: "lambda-no-identity-invoke-grant",
    resource: "scheduler-role",
    atPreview: false,
    extra: (p, aws, program) => {
      new aws.iam.Role("scheduler-role", {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "scheduler.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        inlinePolicies: [
          {
            name: "invoke",
            policy: p.jsonStringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: "lambda:InvokeFunction",
                  Resource: p.interpolate`arn:aws:lambda:us-east-1:123456789012:function:${program.functionName as Out}`,
                },
              ],
            }),
          },
        ],
      });
    },
  },
  {
    category: "protected functions",
    what: "a role another account can assume, allowed to invoke every function",
    policy: "lambda-no-identity-invoke-grant",
    resource: "partner-role",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.iam.Role("partner-role", {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::210987654321:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        inlinePolicies: [
          {
            name: "invoke",
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: "*" }],
            }),
          },
        ],
      });
    },
  },
  {
    category: "protected functions",
    what: "an AgentCore Gateway with the proxy as its Lambda target",
    policy: "lambda-no-gateway-target",
    resource: "proxy-tool",
    atPreview: true,
    extra: (p, aws, program) => {
      const gateway = new aws.bedrock.AgentcoreGateway("tools", {
        name: "tools",
        authorizerType: "AWS_IAM",
        protocolType: "MCP",
        roleArn: "arn:aws:iam::123456789012:role/gateway",
      });
      new aws.bedrock.AgentcoreGatewayTarget("proxy-tool", {
        gatewayIdentifier: gateway.gatewayId,
        name: "proxy",
        targetConfiguration: {
          mcp: {
            lambda: {
              lambdaArn: p.interpolate`arn:aws:lambda:us-east-1:123456789012:function:${program.functionName as Out}`,
              toolSchema: {
                inlinePayloads: [
                  { name: "ask", description: "Ask the agent", inputSchema: { type: "object" } },
                ],
              },
            },
          },
        },
      });
    },
  },
  {
    category: "protected functions",
    what: "a Function URL on a function tagged protected whose role is managed elsewhere",
    policy: "lambda-no-function-url",
    resource: "tagged-url",
    atPreview: true,
    extra: (p, aws) => {
      const fn = new aws.lambda.Function("external-proxy", {
        runtime: "nodejs24.x",
        handler: "index.handler",
        code: new p.asset.AssetArchive({}),
        role: "arn:aws:iam::123456789012:role/managed-elsewhere",
        tags: { "agentcore-guardrails:protected": "true" },
      });
      new aws.lambda.FunctionUrl("tagged-url", {
        functionName: fn.name,
        authorizationType: "NONE",
      });
    },
  },
  {
    category: "public AgentCore URLs",
    what: "an HTTP API quick create that targets AgentCore",
    policy: "agentcore-no-public-wrapper",
    resource: "quick-api",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.apigatewayv2.Api("quick-api", {
        protocolType: "HTTP",
        target: "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/x/invocations",
      });
    },
  },
  {
    category: "public AgentCore URLs",
    what: "an HTTP API whose OpenAPI body integrates AgentCore",
    policy: "agentcore-no-public-wrapper",
    resource: "openapi-http-api",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.apigatewayv2.Api("openapi-http-api", {
        protocolType: "HTTP",
        body: JSON.stringify({
          openapi: "3.0.1",
          info: { title: "agent", version: "1" },
          paths: {
            "/chat": {
              post: {
                "x-amazon-apigateway-integration": {
                  type: "http_proxy",
                  httpMethod: "POST",
                  uri: "https://bedrock-agentcore.us-east-1.api.aws/runtimes/x/invocations",
                  payloadFormatVersion: "1.0",
                },
              },
            },
          },
        }),
      });
    },
  },
  {
    category: "public AgentCore URLs",
    what: "a RestApiPut whose OpenAPI body (YAML) integrates AgentCore",
    policy: "agentcore-no-public-wrapper",
    resource: "rest-put",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.apigateway.RestApiPut("rest-put", {
        restApiId: "a1b2c3d4e5",
        body: [
          "openapi: 3.0.1",
          "info: {title: agent, version: '1'}",
          "paths:",
          "  /chat:",
          "    post:",
          "      x-amazon-apigateway-integration:",
          "        type: http_proxy",
          "        httpMethod: POST",
          "        uri: https://bedrock-agentcore-fips.us-east-1.amazonaws.com/runtimes/x/invocations",
        ].join("\n"),
      });
    },
  },
  {
    category: "public AgentCore URLs",
    what: "a multi-tenant CloudFront distribution with an AgentCore origin",
    policy: "agentcore-no-public-wrapper",
    resource: "tenant-cdn",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.cloudfront.MultitenantDistribution("tenant-cdn", {
        comment: "per-tenant agents",
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
          cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        },
        tenantConfig: {},
        viewerCertificate: { cloudfrontDefaultCertificate: true },
      } as never);
    },
  },
  {
    category: "public AgentCore URLs",
    what: "a REST API AWS integration in the {subdomain}.{service} form",
    policy: "agentcore-no-public-wrapper",
    resource: "aws-integration",
    atPreview: true,
    extra: (_p, aws) => {
      new aws.apigateway.Integration("aws-integration", {
        restApi: "a1b2c3d4e5",
        resourceId: "abc123",
        httpMethod: "POST",
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: "arn:aws:apigateway:us-east-1:runtime.bedrock-agentcore:path/runtimes/x/invocations",
      });
    },
  },
  {
    category: "public AgentCore URLs",
    what: "a CloudFront origin on AgentCore",
    policy: "agentcore-no-public-wrapper",
    resource: "agent-cdn",
    atPreview: true,
    extra: (_p, aws) => {
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
  {
    category: "public AgentCore URLs",
    what: "an AgentCore Gateway with no authorizer that routes to the runtime",
    policy: "agentcore-gateway-authorized",
    resource: "open-gateway-target",
    atPreview: true,
    extra: (_p, aws, program) => {
      const gateway = new aws.bedrock.AgentcoreGateway("open-gateway", {
        name: "open",
        authorizerType: "NONE",
        roleArn: "arn:aws:iam::123456789012:role/gateway",
      });
      new aws.bedrock.AgentcoreGatewayTarget("open-gateway-target", {
        gatewayIdentifier: gateway.gatewayId,
        name: "agent",
        targetConfiguration: {
          http: { agentcoreRuntime: { arn: program.runtimeArn as Out, qualifier: "live" } },
        },
      });
    },
  },
];

/** Neighbours an organisation has beside a fronted agent; none may draw a violation. */
const LEGITIMATE: Extra = (p, aws, program) => {
  // An S3-triggered function of another team, with a queue, a URL and a scheduler of its own.
  const role = new aws.iam.Role("thumbnails-role", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    }),
  });
  new aws.iam.RolePolicy("thumbnails-policy", {
    role: role.id,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/*" }],
    }),
  });
  const fn = new aws.lambda.Function("thumbnails", {
    runtime: "nodejs24.x",
    handler: "index.handler",
    code: new p.asset.AssetArchive({}),
    role: role.arn,
  });
  new aws.lambda.Permission("thumbnails-from-s3", {
    action: "lambda:InvokeFunction",
    function: fn.name,
    principal: "s3.amazonaws.com",
    sourceArn: "arn:aws:s3:::photos",
    sourceAccount: "123456789012",
  });
  new aws.lambda.EventSourceMapping("thumbnails-queue", {
    functionName: fn.name,
    eventSourceArn: "arn:aws:sqs:us-east-1:123456789012:photos",
  });
  new aws.lambda.FunctionUrl("thumbnails-url", {
    functionName: fn.name,
    authorizationType: "AWS_IAM",
  });
  new aws.iam.Role("thumbnails-scheduler", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    }),
    inlinePolicies: [
      {
        name: "invoke",
        policy: p.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.arn }],
        }),
      },
    ],
  });
  // The cancel route another change adds: API Gateway of this account, one method and path.
  const apiId = (program.invokeUrl as Out).apply((u) => new URL(u).hostname.split(".")[0]);
  new aws.lambda.Permission("api-post-sessions-cancel", {
    action: "lambda:InvokeFunction",
    function: program.functionName as Out,
    principal: "apigateway.amazonaws.com",
    sourceArn: p.interpolate`arn:aws:execute-api:us-east-1:123456789012:${apiId}/*/POST/sessions/*/cancel`,
  });
  // CloudFront in front of the REST API, and a docs bucket whose name contains bedrock-agentcore.
  new aws.cloudfront.Distribution("api-cdn", {
    enabled: true,
    origins: [
      ["api", (program.invokeUrl as Out).apply((u) => new URL(u).hostname)],
      ["docs", "bedrock-agentcore-docs.s3.us-east-1.amazonaws.com"],
    ].map(([originId, domainName]) => ({
      originId: originId as string,
      domainName,
      customOriginConfig: {
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: "https-only",
        originSslProtocols: ["TLSv1.2"],
      },
    })),
    defaultCacheBehavior: {
      targetOriginId: "api",
      viewerProtocolPolicy: "https-only",
      allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
      cachedMethods: ["GET", "HEAD"],
      cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
  });
  // An OpenAPI body that only mentions the AgentCore host in a description.
  new aws.apigateway.RestApi("docs-api", {
    endpointConfiguration: { types: "REGIONAL" },
    body: JSON.stringify({
      openapi: "3.0.1",
      info: {
        title: "docs",
        version: "1",
        description: "Our agent runs on https://bedrock-agentcore.us-east-1.amazonaws.com.",
      },
      paths: {
        "/faq": {
          get: {
            description: "Answers from the bedrock-agentcore.us-east-1.amazonaws.com FAQ.",
            "x-amazon-apigateway-integration": {
              type: "http_proxy",
              httpMethod: "GET",
              uri: "https://docs.example.com/faq",
            },
          },
        },
      },
    }),
  });
};

const nameOf = (urn: string | undefined) => (urn ?? "").split("::").pop() ?? "";

function mandatoryOn(result: AnalysisResult, policy: string, resource: string): Diagnostic[] {
  return result.diagnostics.filter(
    (d) =>
      d.policyName === policy && nameOf(d.urn) === resource && d.enforcementLevel === "mandatory",
  );
}

describe("red-team stacks through the pack's analyzer server", function () {
  this.timeout(600_000);
  let analyzer: PolicyPackAnalyzer;
  let shipped: Set<string>;

  before(async () => {
    analyzer = await PolicyPackAnalyzer.start(PACK_DIR);
    shipped = new Set((await runProgram({ stack: "dev" })).map((r) => r.urn));
  });
  after(async () => {
    await analyzer?.close();
  });

  for (const v of RED_TEAM) {
    it(`${v.category}: ${v.what} draws ${v.policy}${v.atPreview ? ", at preview too" : ""}`, async () => {
      const captured = await runProgram({ stack: "dev", extraResources: v.extra });
      const update = await analyzer.analyze(captured, CONFIG, { stack: "dev", dryRun: false });
      const hits = mandatoryOn(update, v.policy, v.resource);
      assert.equal(hits.length, 1, JSON.stringify(update.diagnostics, null, 2));
      const [, message] = hits[0].message.split("\n");
      assert.match(message, /^[A-Z"]/, message);
      assert.match(message, FIX, message);
      assert.match(message, /[.`]$/, message);
      // Nothing of the shipped program is flagged because of the addition.
      const others = update.diagnostics.filter((d) => d !== hits[0]);
      assert.deepEqual(
        others.filter((d) => d.urn !== undefined && shipped.has(d.urn)),
        [],
      );
      if (v.atPreview) {
        const preview = await analyzer.analyze(asRealPreview(captured), CONFIG, {
          stack: "dev",
          dryRun: true,
        });
        assert.equal(
          mandatoryOn(preview, v.policy, v.resource).length,
          1,
          JSON.stringify(preview.diagnostics, null, 2),
        );
      }
    });
  }

  it("draws nothing from legitimate neighbours: other teams' triggers, CloudFront before the API, a bedrock-agentcore-docs bucket, a description that names the host, the cancel route's permission", async () => {
    const captured = await runProgram({ stack: "dev", extraResources: LEGITIMATE });
    assert.ok(captured.some((r) => r.name === "api-post-sessions-cancel"));
    const update = await analyzer.analyze(captured, CONFIG, { stack: "dev", dryRun: false });
    assert.deepEqual(update.diagnostics, [], "update");
    const preview = await analyzer.analyze(asRealPreview(captured), CONFIG, {
      stack: "dev",
      dryRun: true,
    });
    assert.deepEqual(preview.diagnostics, [], "preview");
    // The lambda rules did apply to this stack (the proxy is protected), so silence means accepted.
    const skipped = update.notApplicable
      .filter((n) => n.urn === undefined)
      .map((n) => n.policyName);
    assert.ok(!skipped.some((name) => name.startsWith("lambda-")), skipped.join());
  });
});
