import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AgentRuntimeAccessArgs {
  /** The runtime to close. */
  runtimeArn: pulumi.Input<string>;
  /** Its endpoint, closed the same way (a caller may name either). */
  endpointArn: pulumi.Input<string>;
  /** The only roles allowed in: the proxy's role, plus operator roles. */
  invokerRoleArns: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Every way into a runtime's sessions: InvokeAgentRuntime and its `ForUser` form, the WebSocket
 * stream and its `ForUser` form, and InvokeAgentRuntimeCommand / InvokeAgentRuntimeCommandShell
 * (commands inside a session's microVM), per the service authorization reference for
 * `bedrock-agentcore`. The Deny names the family by its prefix, so an action AgentCore adds under
 * it later is closed too. UNCONFIRMED whether PutResourcePolicy accepts every family member by
 * name (the resource-based policy guide lists only some as supported); a wildcard never names an
 * unsupported action, as IAM expands it to the actions that exist.
 */
export const INVOCATION_FAMILY = "bedrock-agentcore:InvokeAgentRuntime*";

/**
 * What the named invokers are allowed on the resource: exactly the calls the proxy makes
 * (InvokeAgentRuntime, with a user id InvokeAgentRuntimeForUser, and StopRuntimeSession), all
 * listed as supported in AgentCore's resource-based policy guide
 * (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/resource-based-policies.html).
 * The guide says an existing resource policy "must allow the action": read harshly, a policy that
 * is silent about StopRuntimeSession would keep the proxy from ending sessions.
 */
export const INVOKER_ACTIONS = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:InvokeAgentRuntimeForUser",
  "bedrock-agentcore:StopRuntimeSession",
];

/** An ARN pattern character: one in an exempted principal would spare whole groups of roles. */
const WILDCARD = /[*?]/;

/**
 * The resource policy document that lets only `invokerArns` into `resourceArn`: an Allow of
 * `INVOKER_ACTIONS` for them, and an explicit Deny of the whole invocation family for every other
 * principal (administrators of the account included: an explicit Deny beats any identity policy).
 * Pure, so the stack config can check the document's size against AgentCore's limit before
 * anything is deployed.
 */
export function invokerPolicy(resourceArn: string, invokerArns: readonly string[]): string {
  const arns = [...invokerArns];
  const pattern = arns.find((arn) => WILDCARD.test(arn));
  if (pattern !== undefined) {
    throw new Error(
      `\`invokerRoleArns\` must name roles exactly, but ${JSON.stringify(pattern)} has a wildcard that would exempt every role it matches from the Deny. List each role's ARN instead.`,
    );
  }
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowNamedInvokers",
        Effect: "Allow",
        Principal: { AWS: arns },
        Action: INVOKER_ACTIONS,
        Resource: resourceArn,
      },
      {
        Sid: "DenyEveryoneElse",
        Effect: "Deny",
        Principal: "*",
        Action: INVOCATION_FAMILY,
        Resource: resourceArn,
        // A request without aws:PrincipalArn (a service principal) matches ArnNotEquals too, so
        // it is denied as well.
        Condition: { ArnNotEquals: { "aws:PrincipalArn": arns } },
      },
    ],
  });
}

/**
 * Resource policies on an AgentCore runtime and its endpoint that let only named roles in: an
 * Allow for them, and an explicit Deny of every InvokeAgentRuntime* action for every other
 * principal, so identity policies in this account (administrators included) cannot reach around
 * the proxy. AgentCore evaluates the runtime's and the endpoint's policies on every call, and
 * keeps one policy per resource: this component writes exactly one on each.
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
