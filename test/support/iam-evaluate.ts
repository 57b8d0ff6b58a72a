/**
 * A small IAM policy evaluator for the tests: identity and resource policies, explicit Deny,
 * `*`/`?` wildcards in actions and resources, and the String and Arn condition operators (with
 * `IfExists`). It follows the IAM User Guide's policy evaluation logic
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) and
 * its condition operator reference
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 *
 * Written here because the npm evaluators do not fit: @cloud-copilot/iam-simulate is AGPL-3.0, and
 * pbac (MIT) reads a negated operator with several values as "differs from any one of them"
 * (`ArnNotEquals [proxy, operator]` then denies the proxy) and a missing context key as the key's
 * own name. Anything this evaluator does not model (NotPrincipal, account or service principals,
 * set operators, policy variables, other operators) throws instead of guessing.
 */

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: "*" | Record<string, string | string[]>;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Statement | Statement[];
}

/** A policy and a name to report it by. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument | string;
}

/** An IAM role's session making a request. */
export interface Caller {
  /** The role's ARN: what `aws:PrincipalArn` holds for a role session. */
  roleArn: string;
  /** Identity policies attached to the role. */
  policies: NamedPolicy[];
}

export interface Request {
  caller: Caller;
  action: string;
  resource: string;
  /** Extra request context keys (aws:PrincipalArn and aws:PrincipalAccount are filled in). */
  context?: Record<string, string>;
}

/**
 * How a resource policy that exists but is silent combines with an identity policy's Allow in
 * the resource's own account. `either` is IAM's general rule (either policy may allow); `both` is
 * the harsher reading of AgentCore's hierarchical authorization ("the resource-based policy on the
 * agent runtime must allow the action (if a policy exists)").
 */
export type SameAccountRule = "either" | "both";

export interface Decision {
  decision: "Allow" | "ExplicitDeny" | "ImplicitDeny";
  /** The statements that decided: the Deny, or the Allows. */
  by: string[];
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function documentOf(policy: NamedPolicy): Statement[] {
  const document: PolicyDocument =
    typeof policy.document === "string"
      ? (JSON.parse(policy.document) as PolicyDocument)
      : policy.document;
  return list(document.Statement);
}

function unsupported(what: string): never {
  throw new Error(`The test IAM evaluator does not model ${what}.`);
}

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern.includes("${")) unsupported(`policy variables (${pattern})`);
  const source = [...pattern]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

/** ArnLike: each of the six colon-separated parts matched on its own. */
export function arnMatch(pattern: string, value: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(":");
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const p = split(pattern);
  const v = split(value);
  return p !== undefined && v !== undefined && p.every((part, i) => globMatch(part, v[i]));
}

const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (v, p) => v === p,
  StringEqualsIgnoreCase: (v, p) => v.toLowerCase() === p.toLowerCase(),
  StringLike: (v, p) => globMatch(p, v),
  ArnEquals: arnMatch,
  ArnLike: arnMatch,
  Bool: (v, p) => v.toLowerCase() === p.toLowerCase(),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

/**
 * One condition operator on one key. A key missing from the request makes a positive operator
 * false and a negated one true; `…IfExists` makes either true. Several values: a positive
 * operator needs one to match, a negated operator needs none to.
 */
function conditionHolds(
  operator: string,
  key: string,
  values: string[],
  context: Record<string, string>,
): boolean {
  if (/^For(Any|All)Value:/.test(operator)) unsupported(`set operators (${operator})`);
  const ifExists = operator.endsWith("IfExists");
  const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
  const negated = base in NEGATED;
  const test = OPERATORS[negated ? NEGATED[base] : base];
  if (test === undefined) unsupported(`the condition operator ${operator}`);
  const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase());
  if (actual === undefined) return ifExists || negated;
  const matches = values.some((pattern) => test(actual[1], pattern));
  return negated ? !matches : matches;
}

function conditionsHold(s: Statement, context: Record<string, string>): boolean {
  return Object.entries(s.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, values]) =>
      conditionHolds(operator, key, list(values), context),
    ),
  );
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((p) => globMatch(p, action, true));
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => globMatch(p, action, true));
  return unsupported(`a statement without Action or NotAction (${s.Sid ?? "?"})`);
}

function resourceMatches(s: Statement, resource: string): boolean {
  if (s.Resource !== undefined) return list(s.Resource).some((p) => globMatch(p, resource));
  if (s.NotResource !== undefined) return !list(s.NotResource).some((p) => globMatch(p, resource));
  return unsupported(`a statement without Resource or NotResource (${s.Sid ?? "?"})`);
}

/** Whether a resource policy statement's Principal names the caller's role (or everyone). */
function principalMatches(s: Statement, roleArn: string): boolean {
  if (s.NotPrincipal !== undefined) unsupported("NotPrincipal");
  if (s.Principal === "*") return true;
  if (s.Principal === undefined)
    return unsupported("a resource policy statement without Principal");
  return Object.entries(s.Principal).some(([kind, values]) => {
    if (kind !== "AWS") return false; // service or federated principals are not an IAM role
    return list(values).some((value) => {
      if (value === "*") return true;
      if (!/^arn:[\w-]+:iam::\d{12}:role\/[^*?]+$/.test(value)) {
        unsupported(`the principal ${value} (only "*" and role ARNs are modelled)`);
      }
      return value === roleArn;
    });
  });
}

function accountOf(arn: string): string {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account)
    ? account
    : unsupported(`an ARN without an account (${arn})`);
}
const label = (policy: NamedPolicy, s: Statement, i: number) => `${policy.name}/${s.Sid ?? i}`;

/**
 * Evaluates one request against the caller's identity policies and the resource's policies, as
 * IAM does for a principal in the resource's account or in another one: an explicit Deny anywhere
 * wins; otherwise the request needs an Allow (which, and in which policy, per `rule` and the
 * accounts); otherwise it is implicitly denied.
 */
export function evaluate(
  request: Request,
  resourcePolicies: NamedPolicy[],
  rule: SameAccountRule = "either",
): Decision {
  const { caller, action, resource } = request;
  const context = {
    "aws:PrincipalArn": caller.roleArn,
    "aws:PrincipalAccount": accountOf(caller.roleArn),
    ...request.context,
  };
  const applicable = (policies: NamedPolicy[], withPrincipal: boolean) =>
    policies.flatMap((policy) =>
      documentOf(policy)
        .map((s, i) => ({ s, by: label(policy, s, i) }))
        .filter(({ s }) => {
          if (!withPrincipal && (s.Principal !== undefined || s.NotPrincipal !== undefined)) {
            unsupported(`a Principal in the identity policy ${policy.name}`);
          }
          return (
            (!withPrincipal || principalMatches(s, caller.roleArn)) &&
            actionMatches(s, action) &&
            resourceMatches(s, resource) &&
            conditionsHold(s, context)
          );
        }),
    );
  const identity = applicable(caller.policies, false);
  const onResource = applicable(resourcePolicies, true);
  const denies = [...identity, ...onResource].filter(({ s }) => s.Effect === "Deny");
  if (denies.length > 0) return { decision: "ExplicitDeny", by: denies.map((d) => d.by) };
  const identityAllows = identity.filter(({ s }) => s.Effect === "Allow");
  const resourceAllows = onResource.filter(({ s }) => s.Effect === "Allow");
  const by = [...identityAllows, ...resourceAllows].map((a) => a.by);
  const sameAccount = accountOf(caller.roleArn) === accountOf(resource);
  const resourceSays = resourcePolicies.length === 0 || resourceAllows.length > 0;
  const allowed = !sameAccount
    ? identityAllows.length > 0 && resourceAllows.length > 0
    : rule === "either"
      ? identityAllows.length > 0 || resourceAllows.length > 0
      : identityAllows.length > 0 && resourceSays;
  return allowed ? { decision: "Allow", by } : { decision: "ImplicitDeny", by: [] };
}
