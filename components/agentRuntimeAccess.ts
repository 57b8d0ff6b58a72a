import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AgentRuntimeAccessArgs {
  /** The runtime to close. */
  runtimeArn: pulumi.Input<string>;
  /** Its endpoint, closed the same way (a caller may name either). */
  endpointArn: pulumi.Input<string>;
  /** The only roles allowed to invoke: the proxy's role, plus operator roles. */
  invokerRoleArns: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Only these actions are named: they are the data-plane calls that start work on a runtime.
 * UNCONFIRMED: whether AgentCore resource policies accept `StopRuntimeSession`; it is left out so
 * the policy is never rejected, and the proxy's own identity policy still grants it.
 */
export const INVOKE_ACTIONS = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:InvokeAgentRuntimeForUser",
];

/**
 * The resource policy document that lets only `invokerArns` invoke `resourceArn`: an Allow for
 * them and an explicit Deny for every other principal. Pure, so the stack config can check the
 * document's size against AgentCore's limit before anything is deployed.
 */
export function invokerPolicy(resourceArn: string, invokerArns: readonly string[]): string {
  const arns = [...invokerArns];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowNamedInvokers",
        Effect: "Allow",
        Principal: { AWS: arns },
        Action: INVOKE_ACTIONS,
        Resource: resourceArn,
      },
      {
        Sid: "DenyEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: INVOKE_ACTIONS,
        Resource: resourceArn,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": arns } },
      },
    ],
  });
}

/**
 * Resource policies on an AgentCore runtime and its endpoint that let only named roles invoke:
 * an Allow for them, and an explicit Deny for every other principal, so identity policies in this
 * account (administrators included) cannot reach around the proxy.
 */
export class AgentRuntimeAccess extends pulumi.ComponentResource {
  constructor(name: string, args: AgentRuntimeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:AgentRuntimeAccess", name, args, opts);

    const invokers = pulumi.output(args.invokerRoleArns).apply((arns) => {
      if (arns.length === 0) {
        throw new Error(
          "`invokerRoleArns` must name at least one role, or nobody can invoke the agent.",
        );
      }
      return [...new Set(arns)].sort();
    });
    const onlyInvokers = (resourceArn: pulumi.Input<string>) =>
      pulumi.all([resourceArn, invokers]).apply(([arn, arns]) => invokerPolicy(arn, arns));

    new aws.bedrock.AgentcoreResourcePolicy(
      `${name}-runtime`,
      { resourceArn: args.runtimeArn, policy: onlyInvokers(args.runtimeArn) },
      { parent: this },
    );
    new aws.bedrock.AgentcoreResourcePolicy(
      `${name}-endpoint`,
      { resourceArn: args.endpointArn, policy: onlyInvokers(args.endpointArn) },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
