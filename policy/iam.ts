import { ResourceValidationPolicy } from "@pulumi/policy";
import {
  allowsInvocation,
  InvalidPolicyDocument,
  isWildcardResource,
  label,
  parsePolicyDocument,
  Statement,
} from "./lib/policy-document";
import { T, validateTypes } from "./lib/types";
import {
  anyOf,
  asList,
  deferToUp,
  every,
  isObject,
  isUnknown,
  reportEach,
  resolve,
  Resolved,
  Tri,
  UNKNOWN,
} from "./lib/values";

/**
 * Identity policies grant InvokeAgentRuntime on named runtimes only. A grant on `*` reaches every
 * runtime in the account, including ones the grantee was never meant to call.
 */

/** Whether an Allow statement grants invocation on every runtime (Resource `*`, or NotResource). */
function grantsInvokeOnWildcard(s: Statement): Tri {
  return every(
    () => allowsInvocation(s),
    () => {
      if (s.notResource !== undefined) {
        return true;
      }
      if (isUnknown(s.resource)) {
        return s.resource;
      }
      return anyOf(asList(s.resource), isWildcardResource);
    },
  );
}

/** The policy documents a resource carries: `policy`, or a role's `inlinePolicies[].policy`. */
function documentsOf(
  type: string,
  props: unknown,
): { where: string; document: Resolved | undefined }[] {
  if (type !== T.iamRole) {
    return [{ where: "policy", document: resolve(props, "policy") }];
  }
  const inline = resolve(props, "inlinePolicies");
  if (isUnknown(inline)) {
    return [{ where: "inlinePolicies", document: inline }];
  }
  return asList(inline).map((p, i) => ({
    where: `inlinePolicies[${i}]`,
    document: isObject(p) ? p.policy : p,
  }));
}

export const iamAgentcoreInvokeNotWildcard: ResourceValidationPolicy = {
  name: "iam-agentcore-invoke-not-wildcard",
  description:
    "No IAM policy grants bedrock-agentcore:InvokeAgentRuntime on `*`: grant it on the runtime and endpoint ARNs the caller needs.",
  enforcementLevel: "advisory",
  severity: "medium",
  tags: ["iam", "agentcore", "least-privilege"],
  remediationSteps:
    'Replace Resource "*" with the runtime ARN and its endpoint ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id> and …/runtime-endpoint/<name>).',
  validateResource: validateTypes(
    [T.iamPolicy, T.iamRolePolicy, T.iamUserPolicy, T.iamGroupPolicy, T.iamRole],
    (props, args, reportViolation) => {
      // Each document reports its own statements; a computed document, or one with a computed
      // statement and no violation, is unknown.
      const wildcard = reportEach(
        documentsOf(args.type, props),
        ({ where, document }) => {
          const statements = parsePolicyDocument(document);
          if (statements === undefined || statements instanceof InvalidPolicyDocument) {
            return false;
          }
          if (isUnknown(statements)) {
            return UNKNOWN;
          }
          return reportEach(statements, grantsInvokeOnWildcard, (s) =>
            reportViolation(
              `IAM ${where} of "${args.name}" has ${label(s)} that allows bedrock-agentcore:InvokeAgentRuntime on every runtime (Resource "*" or a wildcard runtime ARN). Grant it on the runtime ARN and its endpoint ARN instead.`,
            ),
          ).answer;
        },
        () => {
          // Reported statement by statement above.
        },
      );
      if (wildcard.answer === UNKNOWN) {
        return deferToUp(args, `The policy document (${wildcard.unknown.where})`);
      }
    },
  ),
};

export const iamPolicies = [iamAgentcoreInvokeNotWildcard];
