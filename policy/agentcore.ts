import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { integrationUris, serverUrls, targetsAgentCore, UnreadableDocument } from "./lib/hosts";
import {
  allowsInvocation,
  appliesToAnyone,
  conditionKeys,
  coversAllActions,
  coversResource,
  deniesAllButNamed,
  FUTURE_INVOCATION_ACTION,
  INVOCATION_FAMILY,
  InvalidPolicyDocument,
  label,
  namesOnly,
  parsePolicyDocument,
  principalValues,
  Statement,
  uncoveredActions,
} from "./lib/policy-document";
import { describe, ofType, referenced, sourcesOf, T, validateTypes } from "./lib/types";
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
  Resolved,
  Tri,
  UNKNOWN,
} from "./lib/values";

/**
 * AgentCore runtimes stay private: IAM-only inbound auth, one resource policy per runtime that
 * denies every way into its sessions to all but named invokers, and no public front (CloudFront,
 * API Gateway, an open AgentCore Gateway) pointed at AgentCore. The one way in is API Gateway,
 * through a Lambda whose role the runtime names.
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
    "AgentCore runtime and endpoint resource policies never allow any bedrock-agentcore:InvokeAgentRuntime* action (invoke, WebSocket, commands, shells) to every principal (`*`).",
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
          `AgentCore resource policy "${args.name}" has ${label(s)} that allows a bedrock-agentcore:InvokeAgentRuntime* action to every principal (*). Allow only named roles (Principal: {AWS: [roleArn]}), such as the API Gateway proxy Lambda's role, and deny everyone else.`,
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

/** Whether every Allow of invocation in the document names only specific principals. */
function allowsOnlyNamed(statements: Statement[]): Tri {
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

const FAMILY_AND_FUTURE = [...INVOCATION_FAMILY, FUTURE_INVOCATION_ACTION];

/** The statements of `candidates` for which `test` is true; `UNKNOWN` if none is but some may be. */
function which(candidates: Statement[], test: (s: Statement) => Tri): Statement[] | typeof UNKNOWN {
  const found = candidates.filter((s) => test(s) === true);
  if (found.length > 0 || candidates.every((s) => test(s) === false)) {
    return found;
  }
  return UNKNOWN;
}

/**
 * What is wrong with the one resource policy of a runtime, as the second half of a sentence that
 * starts with the runtime's name; `undefined` when it closes the runtime, `UNKNOWN` when that
 * depends on a computed value. A closing policy has a Deny for every principal but named ones
 * that covers the whole InvokeAgentRuntime* family and applies to the runtime's own ARN.
 */
function frontingProblem(
  policy: PolicyResource,
  runtimeArn: string | typeof UNKNOWN | undefined,
  requireExplicitDeny: boolean,
): string | undefined | typeof UNKNOWN {
  const statements = parsePolicyDocument(resolve(policy.props, "policy"));
  if (isUnknown(statements)) {
    return UNKNOWN;
  }
  if (statements === undefined || statements instanceof InvalidPolicyDocument) {
    return `has a resource policy ("${policy.name}") that cannot be read as an IAM policy document, so it closes nothing. Write it as a JSON policy with a Deny of bedrock-agentcore:InvokeAgentRuntime* for Principal "*" under ArnNotEquals aws:PrincipalArn [the proxy role's ARN].`;
  }
  const onlyNamed = requireExplicitDeny ? false : allowsOnlyNamed(statements);
  if (onlyNamed !== false) {
    return isUnknown(onlyNamed) ? UNKNOWN : undefined;
  }
  const denies = which(statements, deniesAllButNamed);
  if (isUnknown(denies)) {
    return UNKNOWN;
  }
  if (denies.length === 0) {
    const how = requireExplicitDeny
      ? 'a Deny of bedrock-agentcore:InvokeAgentRuntime* for Principal "*" whose only condition is ArnNotEquals aws:PrincipalArn with the proxy role\'s ARN'
      : "an Allow that names only specific roles";
    return `has a resource policy ("${policy.name}") that does not limit its sessions to named principals. Add ${how}, so only the API Gateway proxy can reach the runtime.`;
  }
  const whole = which(denies, (s) => coversAllActions(s, FAMILY_AND_FUTURE));
  if (isUnknown(whole)) {
    return UNKNOWN;
  }
  if (whole.length === 0) {
    const missing = uncoveredActions(denies[0], INVOCATION_FAMILY);
    const left =
      missing.length > 0
        ? missing.join(", ")
        : "the actions AgentCore adds to the InvokeAgentRuntime family later";
    return `has a resource policy ("${policy.name}") whose Deny for other principals (${label(denies[0])}) leaves out ${left}, so any identity in the account allowed those reaches the runtime's sessions around API Gateway. Set that Deny's Action to bedrock-agentcore:InvokeAgentRuntime*.`;
  }
  if (runtimeArn === undefined || isUnknown(runtimeArn)) {
    return runtimeArn === undefined ? undefined : UNKNOWN;
  }
  const here = which(whole, (s) => coversResource(s, runtimeArn));
  if (isUnknown(here)) {
    return UNKNOWN;
  }
  if (here.length === 0) {
    return `has a resource policy ("${policy.name}") whose Deny (${label(whole[0])}) names ${JSON.stringify(whole[0].resource ?? whole[0].notResource)} as its resource, not the runtime's ARN ${runtimeArn}, so it denies nothing on this runtime. Set that Deny's Resource to the runtime's ARN.`;
  }
  return undefined;
}

export const agentcoreRuntimeFronted: StackValidationPolicy = {
  name: "agentcore-runtime-fronted",
  description:
    "Every AgentCore runtime in the stack has exactly one resource policy on its ARN, with a Deny of the whole bedrock-agentcore:InvokeAgentRuntime* family for every principal but named ones.",
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
          'Require a Deny of bedrock-agentcore:InvokeAgentRuntime* for every principal but named ones (Principal "*" with ArnNotEquals aws:PrincipalArn). When false, an Allow naming only specific principals also counts.',
      },
    },
  },
  remediationSteps:
    'Attach one aws.bedrock.AgentcoreResourcePolicy to the runtime ARN with an Allow for the proxy role and a Deny of bedrock-agentcore:InvokeAgentRuntime* on the runtime ARN for Principal "*" under ArnNotEquals aws:PrincipalArn [proxy role].',
  validateStack: (args, reportViolation) => {
    const runtimes = ofType(args.resources, T.agentRuntime);
    const policies = ofType(args.resources, T.agentcoreResourcePolicy);
    if (runtimes.length === 0 && policies.length === 0) {
      return args.notApplicable("The stack has no AgentCore runtime or resource policy.");
    }
    const { exemptRuntimeNames = [], requireExplicitDeny = true } =
      args.getConfig<RuntimeFrontedConfig>();
    const runtimeArns = new Set(
      runtimes.map((r) => asString(resolve(r.props, "agentRuntimeArn"))).filter((a) => a),
    );
    // AgentCore keeps one resource policy per resource: a second put replaces the first. Runtimes
    // are checked below; every other ARN (endpoints, gateways) here.
    const byArn = new Map<string, PolicyResource[]>();
    for (const policy of policies) {
      const arn = asString(resolve(policy.props, "resourceArn"));
      if (typeof arn === "string" && !runtimeArns.has(arn)) {
        byArn.set(arn, [...(byArn.get(arn) ?? []), policy]);
      }
    }
    for (const [arn, onArn] of byArn) {
      if (onArn.length > 1) {
        reportViolation(
          `${onArn.length} AgentCore resource policies (${onArn.map((p) => `"${p.name}"`).join(", ")}) are attached to ${arn}, but AgentCore keeps one policy per resource and the last write wins, so which one is in force depends on the order of updates. Merge them into one aws.bedrock.AgentcoreResourcePolicy.`,
          onArn[1].urn,
        );
      }
    }
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
          `${describe(runtime)} has no resource policy, so any identity in its account allowed bedrock-agentcore:InvokeAgentRuntime* reaches its sessions around API Gateway. Attach one aws.bedrock.AgentcoreResourcePolicy to the runtime's ARN that allows only the proxy role and denies bedrock-agentcore:InvokeAgentRuntime* to every other principal.`,
          runtime.urn,
        );
        continue;
      }
      if (candidates.some((c) => c.attached !== true)) {
        // A policy whose target is computed may or may not be this runtime's: decided at `pulumi up`.
        continue;
      }
      if (candidates.length > 1) {
        const known = candidates.every(
          (c) => typeof asString(resolve(c.policy.props, "resourceArn")) === "string",
        );
        if (known) {
          reportViolation(
            `${describe(runtime)} has ${candidates.length} resource policies on its ARN (${candidates.map((c) => `"${c.policy.name}"`).join(", ")}), but AgentCore keeps one policy per resource and the last write wins, so which one is in force depends on the order of updates. Merge them into one aws.bedrock.AgentcoreResourcePolicy.`,
            runtime.urn,
          );
        }
        continue;
      }
      const runtimeArn = asString(resolve(runtime.props, "agentRuntimeArn"));
      const problem = frontingProblem(candidates[0].policy, runtimeArn, requireExplicitDeny);
      if (typeof problem === "string") {
        reportViolation(`${describe(runtime)} ${problem}`, runtime.urn);
      }
    }
  },
};

export interface NoPublicWrapperConfig {
  /** Extra regular expressions for host names that reach AgentCore (custom domains, proxies). */
  additionalHostPatterns?: string[];
}

const additionalHostPatternsSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [],
  description:
    "Regular expressions for other host names that reach AgentCore (custom domains, internal proxies).",
};

function hostPatterns(config: NoPublicWrapperConfig): RegExp[] {
  return (config.additionalHostPatterns ?? []).map((p) => new RegExp(p, "i"));
}

/** A front's target to check, or a document that could not be read. */
type Target = { what: string; target: Tri } | { what: string; unreadable: string };

/** The targets of an OpenAPI body: its integration URIs (never its text). */
function openApiTargets(
  what: string,
  body: Resolved | undefined,
  extra: readonly RegExp[],
): Target[] {
  const uris = integrationUris(body);
  if (isUnknown(uris)) {
    return [{ what, target: UNKNOWN }];
  }
  if (uris instanceof UnreadableDocument) {
    return [{ what, unreadable: uris.reason }];
  }
  return uris.map((u) => ({
    what: `${what} (${u.where})`,
    target: targetsAgentCore(u.uri, extra),
  }));
}

/** CloudFront origins (a distribution's, or a multi-tenant distribution's). */
function originTargets(
  name: string,
  origins: Resolved | undefined,
  extra: readonly RegExp[],
): Target[] {
  if (isUnknown(origins)) {
    return [{ what: `The origins of CloudFront distribution "${name}"`, target: UNKNOWN }];
  }
  return asList(origins).map((origin) => {
    const domain = isObject(origin) ? origin.domainName : origin;
    const id = isObject(origin) && typeof origin.originId === "string" ? origin.originId : "?";
    return {
      what: `CloudFront distribution "${name}" origin "${id}"`,
      target: targetsAgentCore(domain, extra),
    };
  });
}

/** What a resource puts in front of clients: origins, integration URIs, quick-create targets. */
function frontTargets(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: readonly RegExp[],
): Target[] | typeof UNKNOWN {
  switch (type) {
    case T.cloudfrontDistribution:
    case T.cloudfrontMultitenantDistribution:
      return originTargets(name, resolve(props, "origins"), extra);
    case T.restApiIntegration: {
      // HTTP and HTTP_PROXY integrations call a URL; AWS (and AWS_PROXY) ones a service by ARN.
      const type = asString(resolve(props, "type"));
      if (isUnknown(type)) {
        return UNKNOWN;
      }
      return type === undefined || type.toUpperCase() === "MOCK"
        ? []
        : [
            {
              what: `API Gateway integration "${name}"`,
              target: targetsAgentCore(resolve(props, "uri"), extra),
            },
          ];
    }
    case T.httpApiIntegration:
      return [
        {
          what: `API Gateway (HTTP API) integration "${name}"`,
          target: targetsAgentCore(resolve(props, "integrationUri"), extra),
        },
      ];
    case T.restApi:
      return openApiTargets(
        `The OpenAPI body of REST API "${name}"`,
        resolve(props, "body"),
        extra,
      );
    case T.restApiPut:
      return openApiTargets(
        `The OpenAPI body of REST API definition "${name}"`,
        resolve(props, "body"),
        extra,
      );
    case T.httpApi:
      return [
        {
          // Quick create: the API's one route proxies to this URL or Lambda.
          what: `The quick-create target of HTTP API "${name}"`,
          target: targetsAgentCore(resolve(props, "target"), extra),
        },
        ...openApiTargets(`The OpenAPI body of HTTP API "${name}"`, resolve(props, "body"), extra),
      ];
    default:
      return [];
  }
}

export const agentcoreNoPublicWrapper: ResourceValidationPolicy = {
  name: "agentcore-no-public-wrapper",
  description:
    "No CloudFront origin, API Gateway integration, HTTP API quick-create target or OpenAPI integration targets an AgentCore endpoint directly: clients reach agents only through API Gateway and a Lambda proxy.",
  enforcementLevel: "mandatory",
  severity: "critical",
  tags: ["agentcore", "network-exposure"],
  configSchema: { properties: { additionalHostPatterns: additionalHostPatternsSchema } },
  remediationSteps:
    "Point the front at API Gateway with a Lambda (AWS_PROXY) integration that calls InvokeAgentRuntime with its own IAM role.",
  validateResource: validateTypes(
    [
      T.cloudfrontDistribution,
      T.cloudfrontMultitenantDistribution,
      T.restApiIntegration,
      T.httpApiIntegration,
      T.restApi,
      T.restApiPut,
      T.httpApi,
    ],
    (props, args, reportViolation) => {
      const extra = hostPatterns(args.getConfig<NoPublicWrapperConfig>());
      const instead =
        "Front the agent with API Gateway and a Lambda (AWS_PROXY) integration that calls InvokeAgentRuntime with its own IAM role, and keep the AgentCore URL away from clients.";
      const targets = frontTargets(args.type, args.name, props, extra);
      if (isUnknown(targets)) {
        return deferToUp(args, `The type of integration "${args.name}"`);
      }
      for (const t of targets) {
        if ("unreadable" in t) {
          reportViolation(
            `${t.what} cannot be checked because ${t.unreadable}. Write it as a JSON or YAML OpenAPI document, which API Gateway requires anyway.`,
          );
        }
      }
      const checked = targets.filter((t): t is { what: string; target: Tri } => "target" in t);
      const direct = reportEach(
        checked,
        (t) => t.target,
        (t) => reportViolation(`${t.what} targets an AgentCore endpoint directly. ${instead}`),
      );
      if (direct.answer === UNKNOWN) {
        return deferToUp(args, `The target of ${direct.unknown.what}`);
      }
    },
  ),
};

/**
 * AgentCore Gateway inbound authorizer types that make no authorization decision: NONE lets
 * anyone in, AUTHENTICATE_ONLY checks a token and "offloads" the decision to the target
 * (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-inbound-auth.html).
 */
const OPEN_GATEWAY_AUTHORIZERS = ["NONE", "AUTHENTICATE_ONLY"];

/** Whether a gateway target routes to an AgentCore runtime or host. */
function reachesAgentCore(target: PolicyResource, extra: readonly RegExp[]): Tri {
  const config = target.props;
  const runtimeArn = resolve(config, "targetConfiguration", "http", "agentcoreRuntime", "arn");
  if (runtimeArn !== undefined && runtimeArn !== null) {
    return true;
  }
  const urls: (Resolved | undefined)[] = [
    resolve(config, "targetConfiguration", "http", "passthrough", "endpoint"),
    resolve(config, "targetConfiguration", "mcp", "mcpServer", "endpoint"),
  ];
  const servers = serverUrls(
    resolve(config, "targetConfiguration", "mcp", "openApiSchema", "inlinePayload", "payload"),
  );
  if (isUnknown(servers)) {
    urls.push(servers);
  } else if (!(servers instanceof UnreadableDocument)) {
    urls.push(...servers.map((s) => s.uri));
  }
  return anyOf(urls, (u) => targetsAgentCore(u, extra));
}

export const agentcoreGatewayAuthorized: StackValidationPolicy = {
  name: "agentcore-gateway-authorized",
  description:
    "No AgentCore Gateway without inbound authorization (authorizerType NONE or AUTHENTICATE_ONLY) has a target that reaches an AgentCore runtime or endpoint host.",
  enforcementLevel: "mandatory",
  severity: "critical",
  tags: ["agentcore", "network-exposure"],
  configSchema: { properties: { additionalHostPatterns: additionalHostPatternsSchema } },
  remediationSteps:
    "Set the gateway's authorizerType to AWS_IAM, or remove the target and serve the agent through API Gateway and the Lambda proxy.",
  validateStack: (args, reportViolation) => {
    const targets = ofType(args.resources, T.agentcoreGatewayTarget);
    if (targets.length === 0) {
      return args.notApplicable("The stack has no AgentCore Gateway target.");
    }
    const extra = hostPatterns(args.getConfig<NoPublicWrapperConfig>());
    const gateways = ofType(args.resources, T.agentcoreGateway);
    for (const target of targets) {
      // A gateway outside the stack is checked by the pack on the stack that owns it.
      const gateway = referenced(target, "gatewayIdentifier", gateways, [
        "id",
        "gatewayId",
        "gatewayArn",
      ]);
      const authorizer = gateway && asString(resolve(gateway.props, "authorizerType"));
      if (
        gateway === undefined ||
        typeof authorizer !== "string" ||
        !OPEN_GATEWAY_AUTHORIZERS.includes(authorizer.toUpperCase()) ||
        reachesAgentCore(target, extra) !== true
      ) {
        continue;
      }
      reportViolation(
        `AgentCore gateway target "${target.name}" routes to AgentCore through ${describe(gateway)}, whose authorizerType ${authorizer} lets callers in without an authorization decision, around API Gateway and the proxy. Set the gateway's authorizerType to AWS_IAM, or remove the target and serve the agent through API Gateway and the Lambda proxy.`,
        target.urn,
      );
    }
  },
};

export const agentcorePolicies = [
  agentcoreRuntimeIamAuthOnly,
  agentcoreResourcePolicyNoPublicPrincipal,
  agentcoreRuntimeFronted,
  agentcoreNoPublicWrapper,
  agentcoreGatewayAuthorized,
];
