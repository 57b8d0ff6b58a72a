import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { buildHandler, HandlerBundle } from "../handler/build";
import { PROXY_NODE_OPTIONS } from "../handler/node-options";
import { policyDocument } from "./iam";
import { PROXY_METRICS_NAMESPACE, PROXY_SERVICE_NAME } from "../handler/telemetry";

export interface StreamingProxyArgs {
  /** The AgentCore runtime the proxy invokes. */
  runtimeArn: pulumi.Input<string>;
  /** The runtime endpoint it invokes through; the proxy may call nothing else. */
  endpointArn: pulumi.Input<string>;
  /** The endpoint's name, sent as the `qualifier`. */
  qualifier: pulumi.Input<string>;
  /** Lambda timeout in seconds (default 900: API Gateway's 15-minute stream limit). */
  timeoutSeconds?: number;
  /** Lambda memory in MB (default 1024). */
  memoryMb?: pulumi.Input<number>;
  /** Silence, in ms, after which the proxy writes an SSE comment to keep the stream alive. */
  heartbeatMs?: pulumi.Input<number>;
  /** Largest request body accepted, in bytes (default 262144). */
  maxBodyBytes?: pulumi.Input<number>;
  /** Powertools log level (default INFO). */
  logLevel?: pulumi.Input<string>;
  /** Days the function's logs are kept (default 30). */
  logRetentionDays?: pulumi.Input<number>;
  /** Browser origins allowed to read responses (`*` for any); empty for none. */
  corsAllowedOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** Active X-Ray tracing (default true). */
  tracing?: boolean;
  /** A bundle already built by `buildHandler`; built from `handler/` when absent. */
  bundle?: HandlerBundle;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What the proxy's environment is built from (see `proxyEnvironment`). */
export interface ProxyEnvironmentSettings {
  runtimeArn: string;
  qualifier: string;
  heartbeatMs: number;
  maxBodyBytes: number;
  corsAllowedOrigins: readonly string[];
  logLevel: string;
}

/**
 * The proxy function's environment variables. Pure, so the stack config can size the whole
 * environment against Lambda's 4 KB limit before anything is deployed: the limit is on the sum of
 * every variable, so one long list (the CORS origins) can break it.
 */
export function proxyEnvironment(settings: ProxyEnvironmentSettings): Record<string, string> {
  return {
    AGENT_RUNTIME_ARN: settings.runtimeArn,
    AGENT_RUNTIME_QUALIFIER: settings.qualifier,
    HEARTBEAT_MS: String(settings.heartbeatMs),
    MAX_BODY_BYTES: String(settings.maxBodyBytes),
    CORS_ALLOWED_ORIGINS: settings.corsAllowedOrigins.join(","),
    POWERTOOLS_SERVICE_NAME: PROXY_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: PROXY_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
    NODE_OPTIONS: PROXY_NODE_OPTIONS,
  };
}

/**
 * The Lambda between API Gateway and AgentCore: response streaming, Node.js 24 on arm64, its own
 * log group, and a role that may invoke exactly one runtime endpoint.
 */
export class StreamingProxy extends pulumi.ComponentResource {
  public readonly functionArn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  /** The InvokeWithResponseStream URI API Gateway's STREAM integrations need. */
  public readonly responseStreamingInvokeArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: StreamingProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:StreamingProxy", name, args, opts);
    const timeoutSeconds = args.timeoutSeconds ?? 900;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error("`timeoutSeconds` must be an integer from 1 to 900 (Lambda's maximum).");
    }
    const tracing = args.tracing ?? true;
    const bundle = args.bundle ?? buildHandler();

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
        retentionInDays: args.logRetentionDays ?? 30,
        tags: args.tags,
      },
      { parent: this },
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "Role of the agentcore-stream proxy Lambda",
        assumeRolePolicy: policyDocument([
          {
            Sid: "LambdaAssumeRole",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["sts:AssumeRole"],
          },
        ]),
        tags: args.tags,
      },
      { parent: this },
    );

    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.id,
        policy: policyDocument([
          {
            Sid: "InvokeTheAgent",
            Effect: "Allow",
            Action: [
              "bedrock-agentcore:InvokeAgentRuntime",
              "bedrock-agentcore:InvokeAgentRuntimeForUser",
              "bedrock-agentcore:StopRuntimeSession",
            ],
            Resource: [args.runtimeArn, args.endpointArn],
          },
          {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
          },
          ...(tracing
            ? [
                {
                  // X-Ray's write APIs support no resource scoping.
                  Sid: "XRay",
                  Effect: "Allow" as const,
                  Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                  Resource: "*",
                },
              ]
            : []),
        ]),
      },
      { parent: this },
    );

    const code = new pulumi.asset.AssetArchive(
      Object.fromEntries(
        bundle.files.map((file) => [file, new pulumi.asset.FileAsset(path.join(bundle.dir, file))]),
      ),
    );

    const fn = new aws.lambda.Function(
      `${name}-fn`,
      {
        description: "Relays AgentCore Server-Sent Events to API Gateway (response streaming)",
        runtime: aws.lambda.Runtime.NodeJS24dX,
        architectures: ["arm64"],
        handler: bundle.handler,
        code,
        role: role.arn,
        timeout: timeoutSeconds,
        memorySize: args.memoryMb ?? 1024,
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
        environment: {
          variables: pulumi
            .output({
              runtimeArn: args.runtimeArn,
              qualifier: args.qualifier,
              heartbeatMs: args.heartbeatMs ?? 15000,
              maxBodyBytes: args.maxBodyBytes ?? 262144,
              corsAllowedOrigins: args.corsAllowedOrigins ?? [],
              logLevel: args.logLevel ?? "INFO",
            })
            .apply(proxyEnvironment),
        },
        tags: args.tags,
      },
      // The log group exists first, so the function never creates an unmanaged one of its own.
      { parent: this, dependsOn: [logGroup, rolePolicy] },
    );

    this.functionArn = fn.arn;
    this.functionName = fn.name;
    this.responseStreamingInvokeArn = fn.responseStreamingInvokeArn;
    this.roleArn = role.arn;
    this.logGroupName = logGroup.name;
    this.registerOutputs({
      functionArn: this.functionArn,
      functionName: this.functionName,
      responseStreamingInvokeArn: this.responseStreamingInvokeArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
    });
  }
}
