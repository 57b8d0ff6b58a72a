import {
  allOf,
  anyOf,
  asList,
  every,
  isObject,
  not,
  Resolved,
  ResolvedObject,
  Tri,
  Unknown,
  UNKNOWN,
} from "./values";

/**
 * IAM policy documents (identity and resource policies) read with three-valued logic: every
 * question returns `UNKNOWN` when its answer depends on a part of the document that is computed.
 */

/**
 * Every way into an AgentCore runtime's sessions, per the service authorization reference for
 * `bedrock-agentcore`: InvokeAgentRuntime and its `ForUser` form, the WebSocket stream and its
 * `ForUser` form, and InvokeAgentRuntimeCommand / InvokeAgentRuntimeCommandShell (commands inside
 * a session's microVM). `bedrock-agentcore:InvokeAgentRuntime*` names them all.
 */
export const INVOCATION_FAMILY = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:InvokeAgentRuntimeForUser",
  "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStream",
  "bedrock-agentcore:InvokeAgentRuntimeWithWebSocketStreamForUser",
  "bedrock-agentcore:InvokeAgentRuntimeCommand",
  "bedrock-agentcore:InvokeAgentRuntimeCommandShell",
] as const;

/**
 * An action name of the family AgentCore does not have (yet): a Deny that covers it covers the
 * family by its prefix, as `bedrock-agentcore:InvokeAgentRuntime*` does, and so whatever AgentCore
 * adds to it later. A list of today's six names does not.
 */
export const FUTURE_INVOCATION_ACTION = "bedrock-agentcore:InvokeAgentRuntimeAddedLater";

export interface Statement {
  /** Position in the document, for messages. */
  index: number;
  sid?: string;
  effect: Resolved | undefined;
  action?: Resolved;
  notAction?: Resolved;
  resource?: Resolved;
  notResource?: Resolved;
  principal?: Resolved;
  notPrincipal?: Resolved;
  condition?: Resolved;
}

/** A document that could not be read as an IAM policy. */
export class InvalidPolicyDocument {
  constructor(public readonly reason: string) {}
}

/**
 * The statements of a policy document given as a JSON string or an object. `undefined` when there
 * is no document, `UNKNOWN` when the document (or its statement list) is computed.
 */
export function parsePolicyDocument(
  value: Resolved | undefined,
): Statement[] | Unknown | InvalidPolicyDocument | undefined {
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  if (value === UNKNOWN) {
    return UNKNOWN;
  }
  let document: Resolved = value;
  if (typeof value === "string") {
    try {
      document = JSON.parse(value) as Resolved;
    } catch {
      return new InvalidPolicyDocument("it is not valid JSON");
    }
  }
  if (!isObject(document)) {
    return new InvalidPolicyDocument("it is not a JSON object");
  }
  const statements = document.Statement;
  if (statements === UNKNOWN) {
    return UNKNOWN;
  }
  if (statements === undefined) {
    return [];
  }
  const list = asList(statements);
  const out: Statement[] = [];
  for (const [index, s] of list.entries()) {
    if (s === UNKNOWN) {
      return UNKNOWN;
    }
    if (!isObject(s)) {
      return new InvalidPolicyDocument(`statement ${index} is not an object`);
    }
    out.push(toStatement(s, index));
  }
  return out;
}

function toStatement(s: ResolvedObject, index: number): Statement {
  return {
    index,
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: s.Effect,
    action: s.Action,
    notAction: s.NotAction,
    resource: s.Resource,
    notResource: s.NotResource,
    principal: s.Principal,
    notPrincipal: s.NotPrincipal,
    condition: s.Condition,
  };
}

/** How a statement is named in a message. */
export function label(s: Statement): string {
  return s.sid ? `statement "${s.sid}"` : `statement ${s.index}`;
}

export function isEffect(s: Statement, effect: "Allow" | "Deny"): Tri {
  return s.effect === UNKNOWN ? UNKNOWN : s.effect === effect;
}

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

function patternMatches(pattern: Resolved, action: string): Tri {
  if (pattern === UNKNOWN) {
    return UNKNOWN;
  }
  return typeof pattern === "string" && wildcardMatch(pattern, action, true);
}

/** Whether the statement's Action (or NotAction) covers any of `actions`. */
export function coversAnyAction(s: Statement, actions: readonly string[]): Tri {
  if (s.action !== undefined) {
    if (s.action === UNKNOWN) {
      return UNKNOWN;
    }
    const patterns = asList(s.action);
    return anyOf(patterns, (p) => anyOf(actions, (a) => patternMatches(p, a)));
  }
  if (s.notAction !== undefined) {
    if (s.notAction === UNKNOWN) {
      return UNKNOWN;
    }
    const patterns = asList(s.notAction);
    return anyOf(actions, (a) => not(anyOf(patterns, (p) => patternMatches(p, a))));
  }
  return false;
}

/** Whether the statement's Action (or NotAction) covers every one of `actions`. */
export function coversAllActions(s: Statement, actions: readonly string[]): Tri {
  return allOf(actions, (a) => coversAnyAction(s, [a]));
}

/** The actions of `actions` the statement does not cover (known ones only). */
export function uncoveredActions(s: Statement, actions: readonly string[]): string[] {
  return actions.filter((a) => coversAnyAction(s, [a]) === false);
}

/** Whether the statement is an Allow that covers any way into an AgentCore runtime's sessions. */
export function allowsInvocation(s: Statement): Tri {
  return every(
    () => isEffect(s, "Allow"),
    () => coversAnyAction(s, INVOCATION_FAMILY),
  );
}

/**
 * Whether the statement applies to the resource `arn`: a Resource pattern that matches it (`*`
 * included: in a resource policy it is the resource the policy is attached to), a NotResource
 * that leaves it in, or no resource element at all (resource policies may leave it implicit).
 */
export function coversResource(s: Statement, arn: string): Tri {
  const names = (patterns: Resolved): Tri =>
    patterns === UNKNOWN
      ? UNKNOWN
      : anyOf(asList(patterns), (p) =>
          p === UNKNOWN ? UNKNOWN : typeof p === "string" && wildcardMatch(p, arn, false),
        );
  if (s.resource !== undefined && s.resource !== null) {
    return names(s.resource);
  }
  if (s.notResource !== undefined && s.notResource !== null) {
    return not(names(s.notResource));
  }
  return true;
}

/** The values of a Principal block, of every principal type. */
export function principalValues(principal: Resolved | undefined): Resolved[] | Unknown {
  if (principal === undefined || principal === null) {
    return [];
  }
  if (principal === UNKNOWN) {
    return UNKNOWN;
  }
  if (isObject(principal)) {
    const values: Resolved[] = [];
    for (const v of Object.values(principal)) {
      if (v === UNKNOWN) {
        return UNKNOWN;
      }
      values.push(...asList(v));
    }
    return values;
  }
  return asList(principal);
}

function hasWildcard(value: Resolved): Tri {
  if (value === UNKNOWN) {
    return UNKNOWN;
  }
  return typeof value !== "string" || /[*?]/.test(value);
}

/**
 * Whether the statement applies to every principal: `Principal: "*"`, a principal value with a
 * wildcard (`{"AWS": "*"}`, `arn:aws:iam::*:root`), or a `NotPrincipal` (everyone but a few).
 */
export function appliesToAnyone(s: Statement): Tri {
  if (s.notPrincipal !== undefined) {
    return true;
  }
  const values = principalValues(s.principal);
  if (values === UNKNOWN) {
    return UNKNOWN;
  }
  return anyOf(values, hasWildcard);
}

/** Whether every value is a concrete principal or ARN, with no wildcard. */
export function namesOnly(values: Resolved | undefined): Tri {
  const list = asList(values);
  if (list.length === 0) {
    return false;
  }
  return allOf(list, (v) => not(hasWildcard(v)));
}

/** The condition keys a statement tests, lower-cased (`UNKNOWN` if its Condition is computed). */
export function conditionKeys(s: Statement): string[] | Unknown {
  if (s.condition === undefined || s.condition === null) {
    return [];
  }
  if (s.condition === UNKNOWN) {
    return UNKNOWN;
  }
  if (!isObject(s.condition)) {
    return [];
  }
  const keys: string[] = [];
  for (const block of Object.values(s.condition)) {
    if (block === UNKNOWN) {
      return UNKNOWN;
    }
    if (isObject(block)) {
      keys.push(...Object.keys(block).map((k) => k.toLowerCase()));
    }
  }
  return keys;
}

const PRINCIPAL_EXCLUSION =
  /^(ArnNotEquals|ArnNotLike|StringNotEquals|StringNotLike|StringNotEqualsIgnoreCase)(IfExists)?$/i;

/**
 * Whether a Deny statement for every principal spares only named principals: its Condition, if
 * any, consists only of `aws:PrincipalArn` exclusions (`ArnNotEquals`, `StringNotEquals`, ...) whose
 * values are concrete ARNs. Any other condition narrows the Deny (it then denies only some
 * requests), so the statement no longer closes the resource. No Condition at all denies everyone.
 */
export function sparesOnlyNamedPrincipals(s: Statement): Tri {
  if (s.condition === undefined || s.condition === null) {
    return true;
  }
  if (s.condition === UNKNOWN) {
    return UNKNOWN;
  }
  if (!isObject(s.condition)) {
    return false;
  }
  const entries = Object.entries(s.condition);
  if (entries.length === 0) {
    return true;
  }
  return allOf(entries, ([operator, block]) => {
    if (block === UNKNOWN) {
      return UNKNOWN;
    }
    if (!PRINCIPAL_EXCLUSION.test(operator) || !isObject(block)) {
      return false;
    }
    const keys = Object.entries(block);
    return allOf(keys, ([key, values]) => {
      if (key.toLowerCase() !== "aws:principalarn") {
        return false;
      }
      return values === UNKNOWN ? UNKNOWN : namesOnly(values);
    });
  });
}

/**
 * Whether the statement is an explicit Deny for every principal but named ones: `Principal: "*"`
 * with only `aws:PrincipalArn` exclusions, or `NotPrincipal` listing named principals with no
 * Condition. What it denies, and on which resource, is for the caller to check.
 */
export function deniesAllButNamed(s: Statement): Tri {
  const deny = isEffect(s, "Deny");
  if (deny !== true) {
    return deny;
  }
  if (s.notPrincipal !== undefined) {
    const values = principalValues(s.notPrincipal);
    if (values === UNKNOWN) {
      return UNKNOWN;
    }
    const noCondition = s.condition === undefined || s.condition === null;
    return noCondition ? namesOnly(values) : false;
  }
  const everyone = principalValues(s.principal);
  if (everyone === UNKNOWN) {
    return UNKNOWN;
  }
  if (!everyone.some((v) => v === "*")) {
    return false;
  }
  return sparesOnlyNamedPrincipals(s);
}

/** Whether a resource ARN pattern in a statement covers every resource of the service, or all of AWS. */
export function isWildcardResource(value: Resolved): Tri {
  if (value === UNKNOWN) {
    return UNKNOWN;
  }
  if (typeof value !== "string") {
    return false;
  }
  if (value === "*") {
    return true;
  }
  // arn:partition:service:region:account:resource
  const parts = value.split(":");
  if (parts.length < 6 || parts[0] !== "arn") {
    return false;
  }
  const [, , service, , account] = parts;
  const resource = parts.slice(5).join(":");
  if (/[*?]/.test(service) || /[*?]/.test(account)) {
    return true;
  }
  if (service !== "bedrock-agentcore") {
    return false;
  }
  // runtime/<id>[/runtime-endpoint/<name>]: a wildcard in the runtime id reaches every runtime.
  const [kind, id] = resource.split("/");
  return /[*?]/.test(kind) || (kind === "runtime" && (id === undefined || /[*?]/.test(id)));
}
