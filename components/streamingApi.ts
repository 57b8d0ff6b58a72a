import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { awsContext } from "./aws-context";
import { policyDocument } from "./iam";

/**
 * How callers prove who they are, applied to every streaming route. Whatever the mode, API Gateway
 * hands the caller's identity to the proxy (claims, principal id, IAM caller or API key id), which
 * scopes sessions by it.
 */
export type ApiAuth =
  | { mode: "none" }
  /** An API key in `x-api-key` (keys and usage plans come from `ApiKeyAccess`). */
  | { mode: "apiKey" }
  /** SigV4-signed callers (AWS_IAM). */
  | { mode: "iam" }
  /** A Cognito user pool token in `Authorization`. */
  | { mode: "cognito"; userPoolArns: pulumi.Input<pulumi.Input<string>[]>; scopes?: string[] }
  /** A REQUEST Lambda authorizer you bring. */
  | {
      mode: "lambda";
      functionArn: pulumi.Input<string>;
      /** Default `method.request.header.Authorization`. */
      identitySource?: string;
      /** Seconds a decision is cached (default 300; 0 disables caching). */
      resultTtlSeconds?: number;
    };

export interface RouteThrottle {
  rateLimit: pulumi.Input<number>;
  burstLimit: pulumi.Input<number>;
}

export interface StreamingApiArgs {
  /** The streaming Lambda: its ARN (for the permission) and InvokeWithResponseStream URI. */
  functionArn: pulumi.Input<string>;
  responseStreamingInvokeArn: pulumi.Input<string>;
  /** Integration timeout in ms: at most 900000 (STREAM's maximum), the default. */
  timeoutMilliseconds?: number;
  /** Stage name (default `v1`). */
  stageName?: pulumi.Input<string>;
  /** Stage-wide throttling: steady requests per second and burst. */
  throttle?: RouteThrottle;
  /** Throttling for single routes, by `"<METHOD> /<path>"` as in `ROUTES`. */
  routeThrottle?: Partial<Record<RouteKey, RouteThrottle>>;
  /** Who may call the routes. */
  auth: ApiAuth;
  /**
   * Browser origins allowed to read responses (`*` for any). Adds OPTIONS routes, and CORS headers
   * on API Gateway's own error responses for `*` or a single origin (see `cors`); the proxy adds
   * them to streamed answers.
   */
  corsAllowedOrigins?: string[];
  /** Days the access logs are kept (default 30). */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Set this region's API Gateway CloudWatch Logs role (an account-wide setting that access logs
   * need). Turn it off where the account already has one. Default true.
   */
  manageAccountLogging?: boolean;
  /** X-Ray tracing on the stage (default true). */
  tracing?: pulumi.Input<boolean>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The API's routes, each a STREAM integration of the same Lambda: answer a prompt, end a session,
 * and stop the answer in progress in a session (in AWS nothing else stops it: Lambda is never
 * told that its client left).
 */
export const ROUTES = [
  { method: "POST", path: "invoke" },
  { method: "DELETE", path: "sessions/{sessionId}" },
  { method: "POST", path: "sessions/{sessionId}/cancel" },
] as const;

export type RouteKey = `${(typeof ROUTES)[number]["method"]} /${(typeof ROUTES)[number]["path"]}`;

export const MAX_STREAM_TIMEOUT_MS = 900000;

/** Headers a browser may send on the streaming routes. */
const CORS_ALLOWED_HEADERS = "content-type,authorization,x-api-key,x-amz-date,x-amz-security-token";

/** API Gateway's own errors (bad key, throttled, authorizer failures) that must carry CORS headers. */
export const CORS_GATEWAY_RESPONSES = [
  "DEFAULT_4XX",
  "DEFAULT_5XX",
  "UNAUTHORIZED",
  "ACCESS_DENIED",
  "THROTTLED",
  "QUOTA_EXCEEDED",
  "INVALID_API_KEY",
] as const;

/** Fields of the JSON access log: enough to tell a streamed answer from a buffered one. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.caller",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integration.latency",
  integrationStatus: "$context.integration.status",
  integrationError: "$context.integration.error",
  responseTransferMode: "$context.integration.responseTransferMode",
  errorMessage: "$context.error.message",
  wafStatus: "$context.waf.status",
});

/**
 * A REGIONAL REST API whose routes stream a Lambda's response (integration response transfer mode
 * STREAM, up to 15 minutes), with a stage that redeploys whenever any route changes, JSON access
 * logs and throttling.
 */
export class StreamingApi extends pulumi.ComponentResource {
  public readonly restApiId: pulumi.Output<string>;
  public readonly restApiName: pulumi.Output<string>;
  public readonly executionArn: pulumi.Output<string>;
  public readonly stageName: pulumi.Output<string>;
  public readonly stageArn: pulumi.Output<string>;
  /** Base URL of the stage, without a trailing slash. */
  public readonly url: pulumi.Output<string>;
  public readonly accessLogGroupName: pulumi.Output<string>;
  /** The hash that names the current deployment (changes with any route or integration). */
  public readonly deploymentHash: pulumi.Output<string>;

  constructor(name: string, args: StreamingApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:StreamingApi", name, args, opts);
    const timeoutMilliseconds = args.timeoutMilliseconds ?? MAX_STREAM_TIMEOUT_MS;
    if (
      !Number.isInteger(timeoutMilliseconds) ||
      timeoutMilliseconds < 50 ||
      timeoutMilliseconds > MAX_STREAM_TIMEOUT_MS
    ) {
      throw new Error(
        `\`timeoutMilliseconds\` must be an integer from 50 to ${MAX_STREAM_TIMEOUT_MS} (the STREAM maximum).`,
      );
    }
    const origins = args.corsAllowedOrigins ?? [];
    if (origins.includes("*") && origins.length > 1) {
      throw new Error("`corsAllowedOrigins` takes either `*` alone or a list of origins.");
    }
    const { accountId, region, partition } = awsContext(this);

    const api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        description: "Streaming API in front of an AgentCore agent",
        // EDGE endpoints idle out a stream after 30 s; REGIONAL allows 5 minutes between bytes.
        // No minimumCompressionSize: STREAM responses cannot be content-encoded.
        endpointConfiguration: { types: "REGIONAL" },
        apiKeySource: "HEADER",
        tags: args.tags,
      },
      { parent: this },
    );

    const methodAuth = this.methodAuth(name, args.auth, api, region, partition);

    // One API Gateway resource per path segment, shared between routes.
    const resources = new Map<string, aws.apigateway.Resource>();
    const resourceFor = (path: string): aws.apigateway.Resource => {
      const existing = resources.get(path);
      if (existing) return existing;
      const slash = path.lastIndexOf("/");
      const parentPath = slash === -1 ? "" : path.slice(0, slash);
      const part = path.slice(slash + 1);
      const resource = new aws.apigateway.Resource(
        `${name}-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        {
          restApi: api.id,
          parentId: parentPath === "" ? api.rootResourceId : resourceFor(parentPath).id,
          pathPart: part,
        },
        { parent: this },
      );
      resources.set(path, resource);
      return resource;
    };

    const routeResources: pulumi.Resource[] = [];
    const routeSignatures: pulumi.Output<unknown>[] = [];
    for (const route of ROUTES) {
      const routeName = `${name}-${route.method.toLowerCase()}-${route.path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
      const resource = resourceFor(route.path);
      const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const method = new aws.apigateway.Method(
        routeName,
        {
          restApi: api.id,
          resourceId: resource.id,
          httpMethod: route.method,
          ...methodAuth,
          requestParameters: Object.fromEntries(
            pathParameters.map((p) => [`method.request.path.${p}`, true]),
          ),
        },
        { parent: this },
      );
      const integration = new aws.apigateway.Integration(
        routeName,
        {
          restApi: api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          type: "AWS_PROXY",
          integrationHttpMethod: "POST",
          // The InvokeWithResponseStream URI: the ordinary invoke ARN is rejected with STREAM.
          uri: args.responseStreamingInvokeArn,
          responseTransferMode: "STREAM",
          timeoutMilliseconds,
        },
        { parent: this },
      );
      routeResources.push(method, integration);
      routeSignatures.push(
        pulumi
          .output({
            resourceId: resource.id,
            methodId: method.id,
            authorization: method.authorization,
            authorizerId: method.authorizerId,
            apiKeyRequired: method.apiKeyRequired,
            authorizationScopes: method.authorizationScopes,
            integrationId: integration.id,
            uri: integration.uri,
            responseTransferMode: integration.responseTransferMode,
            timeoutMilliseconds: integration.timeoutMilliseconds,
            type: integration.type,
          })
          .apply((values) => ({ route: `${route.method} /${route.path}`, values })),
      );

      new aws.lambda.Permission(
        routeName,
        {
          action: "lambda:InvokeFunction",
          function: args.functionArn,
          principal: "apigateway.amazonaws.com",
          // This API, this stage, this method and path: never a wildcard API id.
          sourceArn: pulumi.interpolate`${api.executionArn}/${stageNameOf(args)}/${route.method}/${route.path.replace(/\{\w+\}/g, "*")}`,
        },
        { parent: this },
      );
    }

    if (origins.length > 0) {
      routeResources.push(...this.cors(name, api, origins, resourceFor));
    }

    // A stage only changes with a new deployment. Hash every property a client can notice (the
    // integration URI, transfer mode and timeout included): hashing ids alone would leave a stage
    // serving empty bodies after a switch to STREAM.
    this.deploymentHash = pulumi.all(routeSignatures).apply((signatures) =>
      createHash("sha256")
        .update(JSON.stringify({ signatures, corsAllowedOrigins: origins }))
        .digest("hex"),
    );

    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: api.id,
        description: "Managed by agentcore-stream",
        triggers: { redeployment: this.deploymentHash },
      },
      { parent: this, dependsOn: routeResources },
    );

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: pulumi.interpolate`/aws/apigateway/${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
        retentionInDays: args.logRetentionDays ?? 30,
        tags: args.tags,
      },
      { parent: this },
    );

    const stageDependencies: pulumi.Resource[] = [];
    if (args.manageAccountLogging ?? true) {
      const loggingRole = new aws.iam.Role(
        `${name}-cloudwatch-role`,
        {
          description: "Lets API Gateway write access and execution logs in this region",
          assumeRolePolicy: policyDocument([
            {
              Sid: "ApiGatewayAssumeRole",
              Effect: "Allow",
              Principal: { Service: "apigateway.amazonaws.com" },
              Action: ["sts:AssumeRole"],
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
          ]),
          tags: args.tags,
        },
        { parent: this },
      );
      const loggingPolicy = new aws.iam.RolePolicy(
        `${name}-cloudwatch-role-policy`,
        {
          role: loggingRole.id,
          // The account-wide role serves every API in the region, so it is scoped to log groups in
          // this account and region rather than to this stack's.
          policy: policyDocument([
            {
              Sid: "WriteApiGatewayLogs",
              Effect: "Allow",
              Action: [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
              ],
              Resource: pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:*`,
            },
          ]),
        },
        { parent: this },
      );
      stageDependencies.push(
        new aws.apigateway.Account(
          `${name}-account`,
          { cloudwatchRoleArn: loggingRole.arn },
          { parent: this, dependsOn: [loggingPolicy] },
        ),
      );
    }

    const stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: stageNameOf(args),
        xrayTracingEnabled: args.tracing ?? true,
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        tags: args.tags,
      },
      { parent: this, dependsOn: stageDependencies },
    );

    const throttle = args.throttle ?? { rateLimit: 10, burstLimit: 20 };
    for (const [routeKey, limits] of Object.entries(args.routeThrottle ?? {})) {
      if (!limits) continue;
      const route = ROUTES.find((r) => `${r.method} /${r.path}` === routeKey);
      if (!route) {
        throw new Error(
          `\`routeThrottle\` names ${JSON.stringify(routeKey)}, which is not a route.`,
        );
      }
      new aws.apigateway.MethodSettings(
        `${name}-throttle-${route.method.toLowerCase()}-${route.path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        {
          restApi: api.id,
          stageName: stage.stageName,
          methodPath: `${route.path}/${route.method}`,
          settings: {
            throttlingRateLimit: limits.rateLimit,
            throttlingBurstLimit: limits.burstLimit,
            metricsEnabled: true,
            loggingLevel: "ERROR",
            dataTraceEnabled: false,
          },
        },
        { parent: this },
      );
    }
    new aws.apigateway.MethodSettings(
      `${name}-stage-settings`,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: throttle.rateLimit,
          throttlingBurstLimit: throttle.burstLimit,
          metricsEnabled: true,
          loggingLevel: "ERROR",
          // Data traces would write full requests (prompts) and responses to the logs.
          dataTraceEnabled: false,
        },
      },
      { parent: this },
    );

    this.restApiId = api.id;
    this.restApiName = api.name;
    this.executionArn = api.executionArn;
    this.stageName = stage.stageName;
    this.stageArn = stage.arn;
    this.url = stage.invokeUrl.apply((u) => u.replace(/\/$/, ""));
    this.accessLogGroupName = accessLogs.name;
    this.registerOutputs({
      restApiId: this.restApiId,
      restApiName: this.restApiName,
      executionArn: this.executionArn,
      stageName: this.stageName,
      stageArn: this.stageArn,
      url: this.url,
      accessLogGroupName: this.accessLogGroupName,
      deploymentHash: this.deploymentHash,
    });
  }

  private methodAuth(
    name: string,
    auth: ApiAuth,
    api: aws.apigateway.RestApi,
    region: pulumi.Output<string>,
    partition: pulumi.Output<string>,
  ): MethodAuthFields {
    switch (auth.mode) {
      case "none":
        return { authorization: "NONE", apiKeyRequired: false };
      case "apiKey":
        return { authorization: "NONE", apiKeyRequired: true };
      case "iam":
        return { authorization: "AWS_IAM", apiKeyRequired: false };
      case "cognito": {
        const authorizer = new aws.apigateway.Authorizer(
          `${name}-authorizer`,
          {
            restApi: api.id,
            type: "COGNITO_USER_POOLS",
            providerArns: auth.userPoolArns,
            identitySource: "method.request.header.Authorization",
          },
          { parent: this },
        );
        return {
          authorization: "COGNITO_USER_POOLS",
          authorizerId: authorizer.id,
          authorizationScopes: auth.scopes,
          apiKeyRequired: false,
        };
      }
      case "lambda": {
        const authorizer = new aws.apigateway.Authorizer(
          `${name}-authorizer`,
          {
            restApi: api.id,
            type: "REQUEST",
            authorizerUri: pulumi.interpolate`arn:${partition}:apigateway:${region}:lambda:path/2015-03-31/functions/${auth.functionArn}/invocations`,
            identitySource: auth.identitySource ?? "method.request.header.Authorization",
            authorizerResultTtlInSeconds: auth.resultTtlSeconds ?? 300,
          },
          { parent: this },
        );
        new aws.lambda.Permission(
          `${name}-authorizer`,
          {
            action: "lambda:InvokeFunction",
            function: auth.functionArn,
            principal: "apigateway.amazonaws.com",
            sourceArn: pulumi.interpolate`${api.executionArn}/authorizers/${authorizer.id}`,
          },
          { parent: this },
        );
        return { authorization: "CUSTOM", authorizerId: authorizer.id, apiKeyRequired: false };
      }
    }
  }

  /**
   * Preflight routes answered by API Gateway itself (MOCK integrations: no Lambda invocation, no
   * auth, as browsers send preflights without credentials), and CORS headers on API Gateway's own
   * error responses so a browser app can read a 401, 403 or 429 instead of an opaque failure
   * (only for `*` or a single origin: those responses cannot choose among several).
   */
  private cors(
    name: string,
    api: aws.apigateway.RestApi,
    origins: string[],
    resourceFor: (path: string) => aws.apigateway.Resource,
  ): pulumi.Resource[] {
    const created: pulumi.Resource[] = [];
    const anyOrigin = origins.includes("*");
    const single = origins.length === 1;
    // Several origins: the preflight echoes the request's Origin only when it is on the list.
    const originTemplate = [
      `#set($allowed = [${origins.map((o) => JSON.stringify(o)).join(", ")}])`,
      "#set($origin = $input.params().header.get('Origin'))",
      '#if("$!origin" == "")#set($origin = $input.params().header.get(\'origin\'))#end',
      "#if($allowed.contains($origin))",
      "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
      "#end",
    ].join("\n");

    const paths = [...new Set(ROUTES.map((r) => r.path))];
    for (const path of paths) {
      const methods = ROUTES.filter((r) => r.path === path).map((r) => r.method);
      const routeName = `${name}-options-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`;
      const resource = resourceFor(path);
      const method = new aws.apigateway.Method(
        routeName,
        { restApi: api.id, resourceId: resource.id, httpMethod: "OPTIONS", authorization: "NONE" },
        { parent: this },
      );
      const integration = new aws.apigateway.Integration(
        routeName,
        {
          restApi: api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          type: "MOCK",
          requestTemplates: { "application/json": '{"statusCode": 204}' },
        },
        { parent: this },
      );
      const headers = {
        "method.response.header.Access-Control-Allow-Origin": true,
        "method.response.header.Access-Control-Allow-Methods": true,
        "method.response.header.Access-Control-Allow-Headers": true,
        "method.response.header.Access-Control-Max-Age": true,
        "method.response.header.Vary": true,
      };
      const methodResponse = new aws.apigateway.MethodResponse(
        routeName,
        {
          restApi: api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: "204",
          responseParameters: headers,
        },
        { parent: this },
      );
      const integrationResponse = new aws.apigateway.IntegrationResponse(
        routeName,
        {
          restApi: api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: methodResponse.statusCode,
          responseParameters: {
            ...(anyOrigin || single
              ? { "method.response.header.Access-Control-Allow-Origin": `'${origins[0]}'` }
              : {}),
            "method.response.header.Access-Control-Allow-Methods": `'OPTIONS,${methods.join(",")}'`,
            "method.response.header.Access-Control-Allow-Headers": `'${CORS_ALLOWED_HEADERS}'`,
            "method.response.header.Access-Control-Max-Age": "'600'",
            "method.response.header.Vary": "'Origin'",
          },
          responseTemplates: { "application/json": anyOrigin || single ? "" : originTemplate },
        },
        { parent: this, dependsOn: [integration] },
      );
      created.push(method, integration, methodResponse, integrationResponse);
    }

    // Gateway responses take static or request-mapped headers and templates that VTL does not
    // process, so they cannot choose among origins (API Gateway developer guide,
    // api-gateway-swagger-extensions-gateway-responses.gatewayResponse.html). Mapping the
    // request's Origin would let any site read them. So they allow `*` or the one origin when
    // that is the configuration, and with several origins none: browsers then see API Gateway's
    // own errors, such as a 403 or 429, only as failed requests.
    const allowOrigin: Record<string, string> =
      anyOrigin || single
        ? { "gatewayresponse.header.Access-Control-Allow-Origin": `'${origins[0]}'` }
        : {};
    for (const responseType of CORS_GATEWAY_RESPONSES) {
      created.push(
        new aws.apigateway.Response(
          `${name}-cors-${responseType.toLowerCase().replace(/_/g, "-")}`,
          {
            restApiId: api.id,
            responseType,
            responseParameters: {
              ...allowOrigin,
              "gatewayresponse.header.Access-Control-Allow-Headers": `'${CORS_ALLOWED_HEADERS}'`,
              "gatewayresponse.header.Vary": "'Origin'",
            },
            responseTemplates: {
              "application/json":
                '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"requestId":"$context.requestId"}}',
            },
          },
          { parent: this },
        ),
      );
    }
    return created;
  }
}

/** Authorization of a streaming route for each auth mode. */
interface MethodAuthFields {
  authorization: string;
  authorizerId?: pulumi.Input<string>;
  authorizationScopes?: string[];
  apiKeyRequired: boolean;
}

function stageNameOf(args: StreamingApiArgs): pulumi.Input<string> {
  return args.stageName ?? "v1";
}
