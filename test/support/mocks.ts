import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

export interface MockOptions {
  /**
   * The form of `awsx.ecr.Image#imageUri`. awsx gives `repository@sha256:digest` when the build
   * reports a digest, and falls back to `repository:tag` when it does not (its refresh-only path
   * for stacks upgraded from awsx 2.19: pulumi-awsx awsx/ecr/image.ts, computeImageFromAsset).
   * Default `digest`.
   */
  awsxImageUri?: "digest" | "tag";
}

/** The digest the `aws.ecr.getImage` mock reports for an image, derived from what was asked. */
export function mockImageDigest(args: {
  registryId?: string;
  repositoryName: string;
  imageTag?: string;
}): string {
  const key = `${args.registryId ?? ""}/${args.repositoryName}:${args.imageTag ?? ""}`;
  return `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/**
 * Pulumi mocks that answer like the AWS provider would: the computed properties our program reads
 * (ARNs, ids, URLs, the response-streaming invoke ARN) derived from the inputs, so every `apply`
 * runs and every policy document is complete.
 */
export function awsMocks(region: string, options: MockOptions = {}): pulumi.runtime.Mocks {
  const accountId = "123456789012";
  const shortHash = (value: string) =>
    createHash("sha256").update(value).digest("hex").slice(0, 10);
  return {
    call(args: pulumi.runtime.MockCallArgs) {
      switch (args.token) {
        case "aws:ecr/getImage:getImage": {
          const inputs = args.inputs as {
            registryId?: string;
            repositoryName: string;
            imageTag?: string;
          };
          if (inputs.imageTag === undefined) throw new Error("the getImage mock needs an imageTag");
          return {
            id: mockImageDigest(inputs),
            registryId: inputs.registryId ?? accountId,
            repositoryName: inputs.repositoryName,
            imageTag: inputs.imageTag,
            imageTags: [inputs.imageTag],
            imageDigest: mockImageDigest(inputs),
          };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            accountId,
            arn: `arn:aws:iam::${accountId}:user/ci`,
            userId: "AIDAEXAMPLE",
            id: accountId,
          };
        case "aws:index/getRegion:getRegion":
          return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        default:
          throw new Error(`No mock for the call ${args.token}`);
      }
    },
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const inputs = args.inputs as Record<string, unknown>;
      const id = `${args.name}-${shortHash(args.type + args.name)}`;
      const state: Record<string, unknown> = { ...inputs };
      const arnOf = (service: string, resource: string, withAccount = true, withRegion = true) =>
        `arn:aws:${service}:${withRegion ? region : ""}:${withAccount ? accountId : ""}:${resource}`;
      switch (args.type) {
        case "awsx:ecr:Repository":
          state.url = `${accountId}.dkr.ecr.${region}.amazonaws.com/${id}`;
          break;
        case "awsx:ecr:Image":
          state.imageUri =
            options.awsxImageUri === "tag"
              ? `${String(inputs.repositoryUrl)}:${String(inputs.imageTag)}`
              : `${String(inputs.repositoryUrl)}@sha256:${createHash("sha256").update(JSON.stringify(inputs)).digest("hex")}`;
          break;
        case "aws:apigateway/apiKey:ApiKey":
          // The provider generates the key's value when none is given.
          state.value = inputs.value ?? `key-${shortHash(id)}${shortHash(`${id}/value`)}`;
          break;
        case "aws:iam/role:Role":
          state.name = inputs.name ?? id;
          state.arn = `arn:aws:iam::${accountId}:role/${String(state.name)}`;
          break;
        case "aws:cloudwatch/logGroup:LogGroup":
          state.name = inputs.name ?? id;
          state.arn = arnOf("logs", `log-group:${String(state.name)}`);
          break;
        case "aws:lambda/function:Function": {
          state.name = inputs.name ?? id;
          state.arn = arnOf("lambda", `function:${String(state.name)}`);
          const path = `arn:aws:apigateway:${region}:lambda:path`;
          state.invokeArn = `${path}/2015-03-31/functions/${String(state.arn)}/invocations`;
          state.responseStreamingInvokeArn = `${path}/2021-11-15/functions/${String(state.arn)}/response-streaming-invocations`;
          break;
        }
        case "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime":
          state.agentRuntimeId = `${String(inputs.agentRuntimeName)}-${shortHash(id)}`;
          state.agentRuntimeArn = arnOf(
            "bedrock-agentcore",
            `runtime/${String(state.agentRuntimeId)}`,
          );
          state.agentRuntimeVersion = "1";
          break;
        case "aws:bedrock/agentcoreAgentRuntimeEndpoint:AgentcoreAgentRuntimeEndpoint":
          state.agentRuntimeArn = arnOf(
            "bedrock-agentcore",
            `runtime/${String(inputs.agentRuntimeId)}`,
          );
          state.agentRuntimeEndpointArn = `${String(state.agentRuntimeArn)}/runtime-endpoint/${String(inputs.name)}`;
          break;
        case "aws:bedrock/agentcoreGateway:AgentcoreGateway":
          state.gatewayId = id;
          state.gatewayArn = arnOf("bedrock-agentcore", `gateway/${id}`);
          state.gatewayUrl = `https://${id}.gateway.bedrock-agentcore.${region}.amazonaws.com/mcp`;
          break;
        case "aws:apigateway/restApi:RestApi":
          state.rootResourceId = `${id}-root`;
          state.executionArn = arnOf("execute-api", id);
          state.arn = `arn:aws:apigateway:${region}::/restapis/${id}`;
          break;
        case "aws:apigateway/stage:Stage":
          state.invokeUrl = `https://${String(inputs.restApi)}.execute-api.${region}.amazonaws.com/${String(inputs.stageName)}`;
          state.arn = `arn:aws:apigateway:${region}::/restapis/${String(inputs.restApi)}/stages/${String(inputs.stageName)}`;
          break;
        default:
          state.arn = state.arn ?? arnOf(args.type.split(/[:/]/)[1] ?? "unknown", id);
      }
      return { id, state };
    },
  };
}
