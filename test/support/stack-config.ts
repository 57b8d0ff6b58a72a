import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT = "agentcore-stream";

interface ProjectFile {
  name: string;
  config?: Record<string, { default?: unknown } | unknown>;
}

/** A config value as the Pulumi CLI hands it to a program: strings, objects as JSON. */
function serialise(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The project's declared defaults (Pulumi.yaml `config:`), namespaced as the CLI does. */
export function projectDefaults(): Record<string, string> {
  const project = parse(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
  const defaults: Record<string, string> = {};
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const value =
      declaration !== null && typeof declaration === "object" && "default" in declaration
        ? (declaration as { default: unknown }).default
        : declaration;
    if (value !== undefined) defaults[`${project.name}:${key}`] = serialise(value);
  }
  return defaults;
}

/** A stack file's values (`Pulumi.<stack>.yaml`). */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(file.config ?? {}).map(([key, value]) => [key, serialise(value)]),
  );
}

/** Everything `pulumi up` would hand the program for this stack, plus overrides. */
export function effectiveConfig(
  stack: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return { ...projectDefaults(), ...stackFileConfig(stack), ...overrides };
}
