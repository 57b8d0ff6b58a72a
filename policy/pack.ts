import { PolicyPackArgs } from "@pulumi/policy";
import { agentcorePolicies } from "./agentcore";
import { apigatewayPolicies } from "./apigateway";
import { iamPolicies } from "./iam";
import { lambdaPolicies } from "./lambda";

/**
 * The pack's name and policies, importable without starting the analyzer: `index.ts` is the only
 * module that constructs the `PolicyPack` (which serves gRPC to the Pulumi CLI).
 */
export const PACK_NAME = "agentcore-stream-guardrails";

export const policies: NonNullable<PolicyPackArgs["policies"]> = [
  ...agentcorePolicies,
  ...lambdaPolicies,
  ...apigatewayPolicies,
  ...iamPolicies,
];

export const packArgs: PolicyPackArgs = {
  description:
    "Keeps Amazon Bedrock AgentCore runtimes behind API Gateway (one resource policy per runtime denying InvokeAgentRuntime* to all but named roles, no public AgentCore URLs, API Gateway as the only way into the Lambdas that front AgentCore) and checks that API Gateway response streaming is set up to work.",
  displayName: "AgentCore behind API Gateway",
  provider: "aws",
  tags: ["aws", "agentcore", "apigateway", "lambda", "streaming"],
  // Each policy sets its own level; this applies to none of them and is here for policies added later.
  enforcementLevel: "advisory",
  policies,
};
