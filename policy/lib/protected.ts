import { PolicyResource } from "@pulumi/policy";
import { allowsInvocation, InvalidPolicyDocument, parsePolicyDocument } from "./policy-document";
import { ofType, referenced, sourcesOf, T } from "./types";
import {
  anyOf,
  asList,
  asString,
  isObject,
  isUnknown,
  resolve,
  Resolved,
  Tri,
  UNKNOWN,
} from "./values";

/**
 * Protected functions: the Lambdas that front AgentCore, to which the strict invocation rules
 * apply. In the stack, a function is protected when its role may invoke an AgentCore runtime
 * (an Allow of a bedrock-agentcore:InvokeAgentRuntime* action in the role's inline policies, its
 * RolePolicy resources, or a managed policy of the stack attached to it). A function whose role
 * is managed elsewhere (or whose grant comes from a policy outside the stack) is protected by the
 * tag `PROTECTED_TAG` = `"true"`. Every other function keeps its triggers.
 */
export const PROTECTED_TAG = "agentcore-guardrails:protected";

export interface ProtectedFunction {
  fn: PolicyResource;
  /** Why it is protected, as the end of a sentence ("… because <why>"). */
  why: string;
}

/** The policy documents that grant a role its permissions, from resources in the stack. */
function grantDocuments(
  role: PolicyResource,
  resources: readonly PolicyResource[],
): { where: PolicyResource; document: Resolved | undefined }[] {
  const documents: { where: PolicyResource; document: Resolved | undefined }[] = [];
  const inline = resolve(role.props, "inlinePolicies");
  const inlines: Resolved[] = isUnknown(inline) ? [inline] : asList(inline);
  for (const p of inlines) {
    documents.push({ where: role, document: isObject(p) ? p.policy : p });
  }
  const ofRole = (r: PolicyResource) => referenced(r, "role", [role], ["name", "id"]) === role;
  for (const rp of ofType(resources, T.iamRolePolicy).filter(ofRole)) {
    documents.push({ where: rp, document: resolve(rp.props, "policy") });
  }
  const managed = ofType(resources, T.iamPolicy);
  for (const attachment of ofType(resources, T.iamRolePolicyAttachment).filter(ofRole)) {
    const policy = referenced(attachment, "policyArn", managed, ["arn"]);
    if (policy) {
      documents.push({ where: policy, document: resolve(policy.props, "policy") });
    }
  }
  return documents;
}

const AGENTCORE_TYPES: readonly string[] = [T.agentRuntime, T.agentRuntimeEndpoint];

/**
 * Whether a grant document allows invoking AgentCore. A document computed at preview counts when
 * it is built from an AgentCore runtime's or endpoint's outputs (its ARN, as a proxy role's grant
 * is); otherwise it is unknown until `pulumi up`.
 */
function grantsInvocation(where: PolicyResource, document: Resolved | undefined): Tri {
  const statements = parsePolicyDocument(document);
  if (statements === undefined || statements instanceof InvalidPolicyDocument) {
    return false;
  }
  if (isUnknown(statements)) {
    const property = where.type === T.iamRole ? "inlinePolicies" : "policy";
    return sourcesOf(where, property).some((s) => AGENTCORE_TYPES.includes(s.type))
      ? true
      : UNKNOWN;
  }
  return anyOf(statements, allowsInvocation);
}

/** Whether a function is tagged protected; `UNKNOWN` if its tags are computed. */
function taggedProtected(fn: PolicyResource): Tri {
  const tags = resolve(fn.props, "tags");
  if (isUnknown(tags)) {
    return UNKNOWN;
  }
  const value = isObject(tags) ? tags[PROTECTED_TAG] : undefined;
  return isUnknown(value) ? UNKNOWN : value === "true";
}

/**
 * The stack's protected functions, and the functions that may be protected but whose role's
 * grants or tags are computed (decided at `pulumi up`).
 */
export function protectedFunctions(resources: readonly PolicyResource[]): {
  protected: ProtectedFunction[];
  undecided: PolicyResource[];
} {
  const roles = ofType(resources, T.iamRole);
  const result = { protected: [] as ProtectedFunction[], undecided: [] as PolicyResource[] };
  for (const fn of ofType(resources, T.lambdaFunction)) {
    const tagged = taggedProtected(fn);
    if (tagged === true) {
      result.protected.push({ fn, why: `it is tagged ${PROTECTED_TAG}=true` });
      continue;
    }
    const role = referenced(fn, "role", roles, ["arn"]);
    const grants = role
      ? anyOf(grantDocuments(role, resources), (d) => grantsInvocation(d.where, d.document))
      : false;
    if (grants === true) {
      result.protected.push({
        fn,
        why: `its role "${role!.name}" may invoke an AgentCore runtime`,
      });
    } else if (grants === UNKNOWN || tagged === UNKNOWN) {
      result.undecided.push(fn);
    }
  }
  return result;
}

/** A function name from a name, a partial ARN or a full ARN (with or without a qualifier). */
export function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  return match ? match[1] : nameOrArn;
}

/**
 * The protected function that the property at `path` names (a function name, ARN, partial or
 * qualified ARN), by name when known, otherwise by the dependency the engine recorded.
 */
export function targetFunction(
  resource: PolicyResource,
  path: readonly string[],
  functions: readonly ProtectedFunction[],
): ProtectedFunction | undefined {
  const ref = asString(resolve(resource.props, ...path));
  if (typeof ref === "string") {
    const name = functionNameOf(ref);
    const names = (p: ProtectedFunction) =>
      ["name", "arn"].map((k) => asString(resolve(p.fn.props, k)));
    const byName = functions.find((p) =>
      names(p).some((value) => typeof value === "string" && functionNameOf(value) === name),
    );
    if (byName || functions.every((p) => names(p).every((v) => typeof v === "string"))) {
      return byName;
    }
  }
  // The reference, or a protected function's name, is computed: follow the dependency.
  const urns = new Set(sourcesOf(resource, path[0]).map((s) => s.urn));
  return functions.find((p) => urns.has(p.fn.urn));
}

/** The account of a function: from its ARN, else its role's ARN; `UNKNOWN` while both are computed. */
export function accountOf(fn: PolicyResource): string | typeof UNKNOWN {
  for (const key of ["arn", "role"]) {
    const arn = asString(resolve(fn.props, key));
    const account = typeof arn === "string" ? arn.split(":")[4] : undefined;
    if (account && /^\d{12}$/.test(account)) {
      return account;
    }
  }
  return UNKNOWN;
}
