import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsContext } from "./aws-context";
import { ecrRepositoryArn, policyDocument, Statement } from "./iam";
import { AGENTCORE } from "./limits";
import { modelAccessStatements } from "./model-access";
import { AgentRuntimeAccess } from "./agentRuntimeAccess";

export interface AgentRuntimeNetwork {
  mode: "PUBLIC" | "VPC";
  subnetIds?: pulumi.Input<string>[];
  securityGroupIds?: pulumi.Input<string>[];
}

/** Where the agent image keeps its prompt files, relative to its working directory (`/app`). */
const AGENT_PROMPTS_DIR = "prompts";

/** Prompt file names: one file in `prompts/`, no paths. */
export const PROMPT_FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,96}\.md$/;

/** What the agent's environment is built from (see `agentEnvironment`). */
interface AgentEnvironmentSettings {
  modelId: string;
  modelRegion: string;
  maxTokens: number;
  temperature: number;
  systemPrompt?: string;
  systemPromptFile?: string;
  guardrail?: { id: string; version: string };
}

/** The agent container's environment variables (agent/src/config.ts reads them). */
function agentEnvironment(settings: AgentEnvironmentSettings): Record<string, string> {
  const variables: Record<string, string> = {
    MODEL_ID: settings.modelId,
    MODEL_REGION: settings.modelRegion,
    MAX_TOKENS: String(settings.maxTokens),
    TEMPERATURE: String(settings.temperature),
  };
  if (settings.systemPrompt !== undefined) variables.SYSTEM_PROMPT = settings.systemPrompt;
  if (settings.systemPromptFile !== undefined) {
    variables.SYSTEM_PROMPT_FILE = `${AGENT_PROMPTS_DIR}/${settings.systemPromptFile}`;
  }
  if (settings.guardrail) {
    variables.GUARDRAIL_ID = settings.guardrail.id;
    variables.GUARDRAIL_VERSION = settings.guardrail.version;
  }
  return variables;
}

/** Where the execution role's policy document is built from (see `executionRolePolicy`). */
export interface ExecutionRoleSettings {
  imageUri: string;
  partition: string;
  region: string;
  accountId: string;
  modelId: string;
  modelRegion: string;
  runtimeName: string;
  guardrailId?: string;
}

/**
 * The runtime execution role's inline policy: pull its image, write its logs, traces and metrics,
 * get workload tokens, and call exactly one model (and guardrail). Pure, so the stack config can
 * size it against IAM's limit on a role's inline policies before anything is deployed.
 */
export function executionRolePolicy(settings: ExecutionRoleSettings): string {
  const { partition, region, accountId } = settings;
  const logGroupArn = `arn:${partition}:logs:${region}:${accountId}:log-group:/aws/bedrock-agentcore/runtimes/*`;
  const statements: Statement[] = [
    {
      Sid: "PullAgentImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: ecrRepositoryArn(settings.imageUri, partition),
    },
    {
      // ECR's token is account-wide: the action supports no resource scoping.
      Sid: "EcrAuthorizationToken",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    },
    {
      Sid: "RuntimeLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
      Resource: logGroupArn,
    },
    {
      Sid: "RuntimeLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:log-stream:*`,
    },
    {
      Sid: "DescribeLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups"],
      Resource: `arn:${partition}:logs:${region}:${accountId}:log-group:*`,
    },
    {
      // X-Ray's write and sampling APIs support no resource scoping.
      Sid: "XRay",
      Effect: "Allow",
      Action: [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
      ],
      Resource: "*",
    },
    {
      // PutMetricData has no resource type; the namespace condition is the scope.
      Sid: "RuntimeMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "bedrock-agentcore" } },
    },
    {
      Sid: "WorkloadAccessTokens",
      Effect: "Allow",
      Action: [
        "bedrock-agentcore:GetWorkloadAccessToken",
        "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
        "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
      ],
      Resource: [
        `arn:${partition}:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default`,
        `arn:${partition}:bedrock-agentcore:${region}:${accountId}:workload-identity-directory/default/workload-identity/${settings.runtimeName}-*`,
      ],
    },
    ...modelAccessStatements({
      modelId: settings.modelId,
      region: settings.modelRegion,
      accountId,
      partition,
    }),
  ];
  if (settings.guardrailId !== undefined) {
    statements.push({
      Sid: "ApplyGuardrail",
      Effect: "Allow",
      Action: ["bedrock:ApplyGuardrail"],
      Resource: `arn:${partition}:bedrock:${settings.modelRegion}:${accountId}:guardrail/${settings.guardrailId}`,
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export interface AgentRuntimeArgs {
  /** The agent image, in digest form (`repo@sha256:…`), from `AgentImage` or your own. */
  imageUri: pulumi.Input<string>;
  /** Runtime name: `[a-zA-Z][a-zA-Z0-9_]{0,47}`, stable per stack. */
  runtimeName: string;
  /** Name of the runtime endpoint the proxy invokes (the `qualifier`). Defaults to `live`. */
  endpointName?: string;
  /** Bedrock model id or cross-region inference profile id the agent may call. */
  modelId: string;
  /** Region of the model calls; defaults to the stack's region. */
  modelRegion?: pulumi.Input<string>;
  maxTokens?: pulumi.Input<number>;
  temperature?: pulumi.Input<number>;
  /** An inline system prompt: at most 5000 characters (an AgentCore environment variable). */
  systemPrompt?: pulumi.Input<string>;
  /**
   * Instead of `systemPrompt`: a file in the image's `prompts/` folder (`agent/prompts/` when the
   * image is built from this repository), which the agent reads once at start. Any length.
   */
  systemPromptFile?: string;
  /** Optional Bedrock guardrail applied to every model call. */
  guardrail?: { id: pulumi.Input<string>; version: pulumi.Input<string> };
  /** PUBLIC (default) or VPC with subnets and security groups. */
  network?: AgentRuntimeNetwork;
  /** Seconds an idle session is kept (60..28800, default 900). */
  idleTimeoutSeconds?: pulumi.Input<number>;
  /** Seconds a session may live at most (60..28800, default 28800). */
  maxLifetimeSeconds?: pulumi.Input<number>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The AgentCore Runtime that runs the agent, its execution role, and a runtime endpoint pinned to
 * the newest version. `restrictInvokeTo` adds the resource policies that let only named roles in:
 * it is a method, not an argument, because the usual invoker (the proxy) needs this runtime's ARN
 * for its own role policy first.
 */
export class AgentRuntime extends pulumi.ComponentResource {
  public readonly runtimeArn: pulumi.Output<string>;
  public readonly runtimeId: pulumi.Output<string>;
  public readonly runtimeVersion: pulumi.Output<string>;
  public readonly endpointArn: pulumi.Output<string>;
  public readonly endpointName: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;
  public readonly logGroupPrefix: pulumi.Output<string>;
  private readonly name: string;

  constructor(name: string, args: AgentRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:AgentRuntime", name, args, opts);
    this.name = name;
    const endpointName = args.endpointName ?? "live";
    // The patterns' text without their anchors, as CreateAgentRuntime(Endpoint) documents them.
    const rule = (pattern: RegExp) => pattern.source.slice(1, -1);
    if (!AGENTCORE.runtimeName.pattern.test(args.runtimeName)) {
      throw new Error(
        `\`runtimeName\` ${JSON.stringify(args.runtimeName)} must match ${rule(AGENTCORE.runtimeName.pattern)}.`,
      );
    }
    if (!AGENTCORE.endpointName.pattern.test(endpointName)) {
      throw new Error(
        `\`endpointName\` ${JSON.stringify(endpointName)} must match ${rule(AGENTCORE.endpointName.pattern)}.`,
      );
    }
    if (args.systemPrompt !== undefined && args.systemPromptFile !== undefined) {
      throw new Error("`systemPrompt` and `systemPromptFile` exclude each other: set one.");
    }
    if (
      typeof args.systemPrompt === "string" &&
      args.systemPrompt.length > AGENTCORE.environment.valueMaxChars
    ) {
      throw new Error(
        `\`systemPrompt\` has ${args.systemPrompt.length} characters; AgentCore takes at most ` +
          `${AGENTCORE.environment.valueMaxChars} in an environment variable. Put the prompt in a ` +
          "file in the image's prompts/ folder and pass `systemPromptFile` instead.",
      );
    }
    if (args.systemPromptFile !== undefined && !PROMPT_FILE_PATTERN.test(args.systemPromptFile)) {
      throw new Error(
        `\`systemPromptFile\` ${JSON.stringify(args.systemPromptFile)} must be a file name in prompts/ ending in .md.`,
      );
    }
    const network = args.network ?? { mode: "PUBLIC" };
    if (
      network.mode === "VPC" &&
      (!network.subnetIds?.length || !network.securityGroupIds?.length)
    ) {
      throw new Error(
        "`network` in VPC mode needs at least one subnet id and one security group id.",
      );
    }

    const { accountId, region, partition } = awsContext(this);
    const modelRegion = pulumi.output(args.modelRegion ?? region);

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Execution role of the AgentCore runtime ${args.runtimeName}`,
        assumeRolePolicy: policyDocument([
          {
            Sid: "AgentCoreAssumeRole",
            Effect: "Allow",
            Principal: { Service: "bedrock-agentcore.amazonaws.com" },
            Action: ["sts:AssumeRole"],
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: {
                "aws:SourceArn": pulumi.interpolate`arn:${partition}:bedrock-agentcore:${region}:${accountId}:*`,
              },
            },
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
        policy: pulumi
          .output({
            imageUri: args.imageUri,
            partition,
            region,
            accountId,
            modelId: args.modelId,
            modelRegion,
            runtimeName: args.runtimeName,
            guardrailId: args.guardrail?.id,
          })
          .apply(executionRolePolicy),
      },
      { parent: this },
    );

    const runtime = new aws.bedrock.AgentcoreAgentRuntime(
      `${name}-runtime`,
      {
        agentRuntimeName: args.runtimeName,
        description: "Strands agent behind the agentcore-stream API",
        roleArn: role.arn,
        agentRuntimeArtifact: { containerConfiguration: { containerUri: args.imageUri } },
        // No authorizerConfiguration: IAM (SigV4) is the only way in. A JWT authorizer would make
        // the runtime URL callable from anywhere with a token, around API Gateway.
        networkConfiguration:
          network.mode === "VPC"
            ? {
                networkMode: "VPC",
                networkModeConfig: {
                  subnets: network.subnetIds ?? [],
                  securityGroups: network.securityGroupIds ?? [],
                },
              }
            : { networkMode: "PUBLIC" },
        protocolConfiguration: { serverProtocol: "HTTP" },
        lifecycleConfigurations: [
          {
            idleRuntimeSessionTimeout: args.idleTimeoutSeconds ?? 900,
            maxLifetime: args.maxLifetimeSeconds ?? 28800,
          },
        ],
        environmentVariables: pulumi
          .output({
            modelId: args.modelId,
            modelRegion,
            maxTokens: args.maxTokens ?? 4096,
            temperature: args.temperature ?? 0.7,
            systemPrompt: args.systemPrompt,
            systemPromptFile: args.systemPromptFile,
            guardrail: args.guardrail,
          })
          .apply(agentEnvironment),
        tags: args.tags,
      },
      // AgentCore checks the role's ECR access when the runtime is created: the policy must exist first.
      { parent: this, dependsOn: [rolePolicy] },
    );

    const endpoint = new aws.bedrock.AgentcoreAgentRuntimeEndpoint(
      `${name}-endpoint`,
      {
        name: endpointName,
        agentRuntimeId: runtime.agentRuntimeId,
        // Pinned: an endpoint without a version keeps serving the version it was created with.
        agentRuntimeVersion: runtime.agentRuntimeVersion,
        description: "The endpoint the streaming proxy invokes",
        tags: args.tags,
      },
      { parent: this },
    );

    this.runtimeArn = runtime.agentRuntimeArn;
    this.runtimeId = runtime.agentRuntimeId;
    this.runtimeVersion = runtime.agentRuntimeVersion;
    this.endpointArn = endpoint.agentRuntimeEndpointArn;
    this.endpointName = endpoint.name;
    this.executionRoleArn = role.arn;
    this.logGroupPrefix = pulumi.interpolate`/aws/bedrock-agentcore/runtimes/${runtime.agentRuntimeId}`;
    this.registerOutputs({
      runtimeArn: this.runtimeArn,
      runtimeId: this.runtimeId,
      runtimeVersion: this.runtimeVersion,
      endpointArn: this.endpointArn,
      endpointName: this.endpointName,
      executionRoleArn: this.executionRoleArn,
      logGroupPrefix: this.logGroupPrefix,
    });
  }

  /**
   * Close the runtime and its endpoint to every principal but `roleArns`: an Allow for them and an
   * explicit Deny for everyone else, so identity policies in this account (administrators
   * included) cannot reach around the proxy.
   */
  public restrictInvokeTo(roleArns: pulumi.Input<pulumi.Input<string>[]>): AgentRuntimeAccess {
    return new AgentRuntimeAccess(
      `${this.name}-access`,
      { runtimeArn: this.runtimeArn, endpointArn: this.endpointArn, invokerRoleArns: roleArns },
      { parent: this },
    );
  }
}
