import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { mentionsAgentCore, targetsAgentCore } from "./lib/hosts";
import {
  AGENTCORE_INVOKE_ACTIONS,
  allowsInvocation,
  appliesToAnyone,
  conditionKeys,
  deniesAllButNamed,
  InvalidPolicyDocument,
  label,
  namesOnly,
  parsePolicyDocument,
  principalValues,
  Statement,
} from "./lib/policy-document";
import { describe, ofType, sourcesOf, T, validateTypes } from "./lib/types";
import {
  allOf,
  anyOf,
  asList,
  asString,
  deferToUp,
  every,
  isObject,
  isUnknown,
  reportEach,
  resolve,
  Tri,
  UNKNOWN,
} from "./lib/values";

/**
 * AgentCore runtimes stay private: IAM-only inbound auth, resource policies that name their
 * invokers, and no public front (CloudFront, API Gateway HTTP integration) pointed at an AgentCore
 * endpoint. The one way in is API Gateway, through a Lambda whose role the runtime names.
 */

export interface RuntimeExemptionConfig {
  /** `agentRuntimeName` values this policy does not apply to. */
  exemptRuntimeNames?: string[];
}

const exemptRuntimeNamesSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [],
  description: "agentRuntimeName values this policy does not apply to.",
};

/** Whether a runtime is exempt by name; `UNKNOWN` if the name is computed and exemptions exist. */
function isExemptRuntime(props: unknown, exempt: readonly string[]): Tri {
  if (exempt.length === 0) {
    return false;
  }
  const name = asString(resolve(props, "agentRuntimeName"));
  return isUnknown(name) ? UNKNOWN : name !== undefined && exempt.includes(name);
}

export const agentcoreRuntimeIamAuthOnly: ResourceValidationPolicy = {
  name: "agentcore-runtime-iam-auth-only",
  description:
    "AgentCore runtimes accept IAM (SigV4) callers only: a JWT authorizer makes the runtime URL callable from anywhere with a token, around API Gateway.",
  enforcementLevel: "mandatory",
  severity: "critical",
  tags: ["agentcore", "network-exposure"],
  configSchema: { properties: { exemptRuntimeNames: exemptRuntimeNamesSchema } },
  remediationSteps:
    "Remove authorizerConfiguration from the runtime and put API Gateway (with a Lambda proxy whose role the runtime's resource policy names) in front of it.",
  validateResource: validateTypes([T.agentRuntime], (props, args, reportViolation) => {
    const { exemptRuntimeNames = [] } = args.getConfig<RuntimeExemptionConfig>();
    const authorizer = resolve(props, "authorizerConfiguration");
    if (authorizer === undefined || authorizer === null) {
      return;
    }
    if (isUnknown(authorizer)) {
      return deferToUp(args, "authorizerConfiguration");
    }
    const jwt = isObject(authorizer) ? authorizer.customJwtAuthorizer : undefined;
    if (jwt === undefined || jwt === null) {
      return;
    }
    const exempt = isExemptRuntime(props, exemptRuntimeNames);
    if (isUnknown(exempt)) {
      return deferToUp(args, "agentRuntimeName (needed for exemptRuntimeNames)");
    }
    if (exempt) {
      return;
    }
    reportViolation(
      `AgentCore runtime "${args.name}" sets authorizerConfiguration.customJwtAuthorizer, so anyone holding a valid token can call its AgentCore URL directly. Remove authorizerConfiguration so the runtime accepts only IAM (SigV4) callers, and serve clients through API Gateway and a Lambda proxy instead.`,
    );
  }),
};

export interface NoPublicPrincipalConfig {
  /**
   * Condition keys that make a wildcard-principal Allow acceptable (for example
   * `aws:PrincipalOrgID`, `aws:SourceVpce`). Empty by default: every wildcard Allow is public.
   */
  allowedWildcardConditionKeys?: string[];
}

/**
 * Whether a resource policy statement is an Allow that lets anyone invoke the runtime;
 * `allowedKeys` are the lower-cased allowedWildcardConditionKeys.
 */
function allowsPublicInvoke(s: Statement, allowedKeys: readonly string[]): Tri {
  return every(
    () => allowsInvocation(s),
    () => appliesToAnyone(s),
    () => {
      if (allowedKeys.length === 0) {
        return true;
      }
      const keys = conditionKeys(s);
      return isUnknown(keys) ? UNKNOWN : !keys.some((k) => allowedKeys.includes(k));
    },
  );
}

export const agentcoreResourcePolicyNoPublicPrincipal: ResourceValidationPolicy = {
  name: "agentcore-resource-policy-no-public-principal",
  description:
    "AgentCore runtime and endpoint resource policies never allow invocation by every principal (`*`).",
  enforcementLevel: "mandatory",
  severity: "critical",
  tags: ["agentcore", "network-exposure"],
  configSchema: {
    properties: {
      allowedWildcardConditionKeys: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Condition keys (e.g. aws:PrincipalOrgID, aws:SourceVpce) that make a wildcard-principal Allow acceptable. Empty: every wildcard Allow is a violation.",
      },
    },
  },
  remediationSteps:
    'Name the invoking roles in the Allow statement (Principal: {AWS: [roleArn]}) and add a Deny for every other principal (Principal: "*" with ArnNotEquals aws:PrincipalArn).',
  validateResource: validateTypes([T.agentcoreResourcePolicy], (props, args, reportViolation) => {
    const { allowedWildcardConditionKeys = [] } = args.getConfig<NoPublicPrincipalConfig>();
    const statements = parsePolicyDocument(resolve(props, "policy"));
    if (statements === undefined) {
      return;
    }
    if (isUnknown(statements)) {
      return deferToUp(args, "The resource policy document");
    }
    if (statements instanceof InvalidPolicyDocument) {
      reportViolation(
        `AgentCore resource policy "${args.name}" cannot be checked because ${statements.reason}. Write the policy as a JSON IAM policy document that names the principals allowed to invoke.`,
      );
      return;
    }
    const allowed = allowedWildcardConditionKeys.map((k) => k.toLowerCase());
    const publicInvoke = reportEach(
      statements,
      (s) => allowsPublicInvoke(s, allowed),
      (s) =>
        reportViolation(
          `AgentCore resource policy "${args.name}" has ${label(s)} that allows ${AGENTCORE_INVOKE_ACTIONS[0]} to every principal (*). Allow only named roles (Principal: {AWS: [roleArn]}), such as the API Gateway proxy Lambda's role, and deny everyone else.`,
        ),
    );
    if (publicInvoke.answer === UNKNOWN) {
      return deferToUp(args, "Part of the resource policy document");
    }
  }),
};

export interface RuntimeFrontedConfig extends RuntimeExemptionConfig {
  /**
   * Require an explicit Deny for every principal but named ones (default). When false, an Allow
   * that names only specific principals also counts, although it does not stop identity policies
   * in the runtime's own account.
   */
  requireExplicitDeny?: boolean;
}

/** Whether a resource policy (a stack resource) is attached to `runtime` itself (not an endpoint). */
function attachedTo(policy: PolicyResource, runtime: PolicyResource): Tri {
  const target = asString(resolve(policy.props, "resourceArn"));
  const runtimeArn = asString(resolve(runtime.props, "agentRuntimeArn"));
  if (typeof target === "string" && typeof runtimeArn === "string") {
    return target === runtimeArn;
  }
  // One of the ARNs is computed (preview): follow the dependency the engine recorded for resourceArn.
  const sources = sourcesOf(policy, "resourceArn");
  if (sources.some((s) => s.type === T.agentRuntimeEndpoint)) {
    return false;
  }
  if (sources.some((s) => s.urn === runtime.urn)) {
    return true;
  }
  return isUnknown(target) && sources.length === 0 ? UNKNOWN : false;
}

/** Whether a resource policy document limits invocation to named principals. */
function limitsInvokers(policy: PolicyResource, requireExplicitDeny: boolean): Tri {
  const statements = parsePolicyDocument(resolve(policy.props, "policy"));
  if (statements === undefined || statements instanceof InvalidPolicyDocument) {
    return false;
  }
  if (isUnknown(statements)) {
    return UNKNOWN;
  }
  const explicitDeny = anyOf(statements, (s) => deniesAllButNamed(s, AGENTCORE_INVOKE_ACTIONS));
  if (explicitDeny !== false || requireExplicitDeny) {
    return explicitDeny;
  }
  return every(
    () => anyOf(statements, allowsInvocation),
    () =>
      allOf(statements, (s) => {
        const allows = allowsInvocation(s);
        if (allows === false) {
          // Not an Allow of invocation: it grants nobody anything here.
          return true;
        }
        if (isUnknown(allows)) {
          return UNKNOWN;
        }
        if (s.notPrincipal !== undefined) {
          return false;
        }
        const values = principalValues(s.principal);
        return isUnknown(values) ? UNKNOWN : namesOnly(values);
      }),
  );
}

export const agentcoreRuntimeFronted: StackValidationPolicy = {
  name: "agentcore-runtime-fronted",
  description:
    "Every AgentCore runtime in the stack has a resource policy that limits InvokeAgentRuntime to named principals.",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["agentcore", "network-exposure"],
  configSchema: {
    properties: {
      exemptRuntimeNames: exemptRuntimeNamesSchema,
      requireExplicitDeny: {
        type: "boolean",
        default: true,
        description:
          'Require a Deny for every principal but named ones (Principal "*" with ArnNotEquals aws:PrincipalArn). When false, an Allow naming only specific principals also counts.',
      },
    },
  },
  remediationSteps:
    'Attach an aws.bedrock.AgentcoreResourcePolicy to the runtime ARN with an Allow for the proxy role and a Deny for Principal "*" under ArnNotEquals aws:PrincipalArn [proxy role].',
  validateStack: (args, reportViolation) => {
    const runtimes = ofType(args.resources, T.agentRuntime);
    if (runtimes.length === 0) {
      return args.notApplicable("The stack has no AgentCore runtime.");
    }
    const { exemptRuntimeNames = [], requireExplicitDeny = true } =
      args.getConfig<RuntimeFrontedConfig>();
    const policies = ofType(args.resources, T.agentcoreResourcePolicy);
    for (const runtime of runtimes) {
      if (isExemptRuntime(runtime.props, exemptRuntimeNames) !== false) {
        // Exempt, or a computed name that may be exempt: decided at `pulumi up`.
        continue;
      }
      const candidates = policies
        .map((policy) => ({ policy, attached: attachedTo(policy, runtime) }))
        .filter((c) => c.attached !== false);
      if (candidates.length === 0) {
        reportViolation(
          `${describe(runtime)} has no resource policy, so any identity in its account with bedrock-agentcore:InvokeAgentRuntime can call it around API Gateway. Attach an aws.bedrock.AgentcoreResourcePolicy to the runtime's ARN that allows only the proxy role and denies every other principal.`,
          runtime.urn,
        );
        continue;
      }
      if (
        candidates.some(
          (c) => c.attached !== true || limitsInvokers(c.policy, requireExplicitDeny) !== false,
        )
      ) {
        // Limited, or the document is computed: its content is checked at `pulumi up`.
        continue;
      }
      const how = requireExplicitDeny
        ? 'a Deny for Principal "*" whose only condition is ArnNotEquals aws:PrincipalArn with the proxy role\'s ARN'
        : "an Allow that names only specific roles";
      reportViolation(
        `${describe(runtime)} has a resource policy that does not limit InvokeAgentRuntime to named principals. Add ${how}, so only the API Gateway proxy can invoke the runtime.`,
        runtime.urn,
      );
    }
  },
};

export interface NoPublicWrapperConfig {
  /** Extra regular expressions for host names that reach AgentCore (custom domains, proxies). */
  additionalHostPatterns?: string[];
}

function hostPatterns(config: NoPublicWrapperConfig): RegExp[] {
  return (config.additionalHostPatterns ?? []).map((p) => new RegExp(p, "i"));
}

const HTTP_INTEGRATION_TYPES = ["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY"];

export const agentcoreNoPublicWrapper: ResourceValidationPolicy = {
  name: "agentcore-no-public-wrapper",
  description:
    "No CloudFront origin or API Gateway integration targets an AgentCore endpoint directly: clients reach agents only through API Gateway and a Lambda proxy.",
  enforcementLevel: "mandatory",
  severity: "critical",
  tags: ["agentcore", "network-exposure"],
  configSchema: {
    properties: {
      additionalHostPatterns: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Regular expressions for other host names that reach AgentCore (custom domains, internal proxies).",
      },
    },
  },
  remediationSteps:
    "Point the front at API Gateway with a Lambda (AWS_PROXY) integration that calls InvokeAgentRuntime with its own IAM role.",
  validateResource: validateTypes(
    [T.cloudfrontDistribution, T.restApiIntegration, T.httpApiIntegration, T.restApi],
    (props, args, reportViolation) => {
      const extra = hostPatterns(args.getConfig<NoPublicWrapperConfig>());
      const instead =
        "Front the agent with API Gateway and a Lambda (AWS_PROXY) integration that calls InvokeAgentRuntime with its own IAM role, and keep the AgentCore URL away from clients.";
      const targets: { what: string; target: Tri }[] = [];
      const check = (what: string, target: Tri) => {
        targets.push({ what, target });
      };
      switch (args.type) {
        case T.cloudfrontDistribution: {
          const origins = resolve(props, "origins");
          if (isUnknown(origins)) {
            return deferToUp(args, "The distribution's origins");
          }
          for (const origin of asList(origins)) {
            const domain = isObject(origin) ? origin.domainName : origin;
            const id =
              isObject(origin) && typeof origin.originId === "string" ? origin.originId : "?";
            check(
              `CloudFront distribution "${args.name}" origin "${id}"`,
              targetsAgentCore(domain, extra),
            );
          }
          break;
        }
        case T.restApiIntegration: {
          const type = asString(resolve(props, "type"));
          if (isUnknown(type)) {
            return deferToUp(args, "The integration type");
          }
          if (type !== undefined && HTTP_INTEGRATION_TYPES.includes(type.toUpperCase())) {
            check(
              `API Gateway integration "${args.name}"`,
              targetsAgentCore(resolve(props, "uri"), extra),
            );
          }
          break;
        }
        case T.httpApiIntegration:
          check(
            `API Gateway (HTTP API) integration "${args.name}"`,
            targetsAgentCore(resolve(props, "integrationUri"), extra),
          );
          break;
        case T.restApi:
          check(
            `The OpenAPI body of REST API "${args.name}"`,
            mentionsAgentCore(resolve(props, "body"), extra),
          );
          break;
      }
      const direct = reportEach(
        targets,
        (t) => t.target,
        (t) => reportViolation(`${t.what} targets an AgentCore endpoint directly. ${instead}`),
      );
      if (direct.answer === UNKNOWN) {
        return deferToUp(args, `The target of ${direct.unknown.what}`);
      }
    },
  ),
};

export const agentcorePolicies = [
  agentcoreRuntimeIamAuthOnly,
  agentcoreResourcePolicyNoPublicPrincipal,
  agentcoreRuntimeFronted,
  agentcoreNoPublicWrapper,
];
