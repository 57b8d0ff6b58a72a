import { createHash } from "node:crypto";
import { AGENTCORE, CLOUDWATCH } from "./limits";

/** AgentCore runtime and endpoint names: a letter, then letters, digits or underscores; 48 at most. */
export const RUNTIME_NAME_PATTERN = AGENTCORE.runtimeName.pattern;

const MAX_RUNTIME_NAME = AGENTCORE.runtimeName.maxChars;

/**
 * The runtime name for a project and stack: stable across runs (the seed drew a random name on
 * every synth, so each deploy replaced the runtime) and always valid. Characters AgentCore rejects
 * become `_`; a name that must be shortened keeps a hash of the full name, so two long stack names
 * that share a prefix still get different runtimes.
 */
export function runtimeNameFor(project: string, stack: string): string {
  const full = `${project}_${stack}`.replace(/[^a-zA-Z0-9_]/g, "_");
  const lettered = /^[a-zA-Z]/.test(full) ? full : `r_${full}`;
  if (lettered.length <= MAX_RUNTIME_NAME) return lettered;
  const hash = stackHash(project, stack);
  return `${lettered.slice(0, MAX_RUNTIME_NAME - hash.length - 1)}_${hash}`;
}

/**
 * The CloudWatch dashboard name for a project and stack. Dashboards take letters, digits, `-` and
 * `_` only, where Pulumi project and stack names may also hold `.`; dashboards are global to the
 * account, so a name that had to change keeps a hash of the original, and stacks `pr.1` and
 * `pr_1` do not overwrite each other's dashboard.
 */
export function dashboardNameFor(project: string, stack: string): string {
  const full = `${project}-${stack}`;
  const valid = full.replace(/[^A-Za-z0-9_-]/g, "_");
  if (valid === full && valid.length <= CLOUDWATCH.dashboardName.maxChars) return valid;
  const hash = stackHash(project, stack);
  return `${valid.slice(0, CLOUDWATCH.dashboardName.maxChars - hash.length - 1)}-${hash}`;
}

/** 8 hex digits that tell a project and stack from any other, for names that had to change. */
function stackHash(project: string, stack: string): string {
  return createHash("sha256").update(`${project}/${stack}`).digest("hex").slice(0, 8);
}
