// Reads the agent's configuration from the environment the AgentCore runtime passes (the Pulumi
// AgentRuntime component sets these variables). Every problem is reported at start, each naming
// its variable, so a bad deployment fails its first health check instead of its first user.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface GuardrailSettings {
  id: string;
  version: string;
}

export interface AgentConfig {
  /** Bedrock model id or inference profile id, e.g. `us.anthropic.claude-haiku-4-5-20251001-v1:0`. */
  modelId: string;
  modelRegion: string;
  maxTokens: number;
  temperature: number;
  systemPrompt: string | undefined;
  guardrail: GuardrailSettings | undefined;
  /** How many sessions (one Strands agent each) the process keeps in memory. */
  maxSessions: number;
  port: number;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULTS = {
  maxTokens: 4096,
  temperature: 0.7,
  maxSessions: 100,
  port: 8080,
} as const;

// Region codes such as us-east-1, eu-central-2, us-gov-west-1, ap-southeast-7.
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
// Model ids, inference profile ids and ARNs: no whitespace, nothing exotic.
const MODEL_ID = /^[A-Za-z0-9._:/-]{1,2048}$/;
// Bedrock guardrail identifiers are ids (`abc123xyz`) or ARNs; versions are `DRAFT` or a number.
const GUARDRAIL_ID =
  /^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+))$/;
const GUARDRAIL_VERSION = /^(DRAFT|[1-9][0-9]{0,7})$/;

/** An unset variable and an empty one mean the same: infrastructure code often renders "" for "none". */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

export function loadConfig(env: Env): AgentConfig {
  const problems: string[] = [];

  const modelId = read(env, "MODEL_ID");
  if (modelId === undefined) {
    problems.push("MODEL_ID is required (a Bedrock model id or inference profile id)");
  } else if (!MODEL_ID.test(modelId)) {
    problems.push(
      `MODEL_ID must be a Bedrock model id or inference profile id (got ${quote(modelId)})`,
    );
  }

  const modelRegion = read(env, "MODEL_REGION") ?? read(env, "AWS_REGION");
  const regionSource = read(env, "MODEL_REGION") !== undefined ? "MODEL_REGION" : "AWS_REGION";
  if (modelRegion === undefined) {
    problems.push("MODEL_REGION is required when AWS_REGION is not set");
  } else if (!REGION.test(modelRegion)) {
    problems.push(
      `${regionSource} must be an AWS region such as us-east-1 (got ${quote(modelRegion)})`,
    );
  }

  const maxTokens = numeric("whole", env, "MAX_TOKENS", DEFAULTS.maxTokens, 1, 1_000_000, problems);
  const temperature = numeric("decimal", env, "TEMPERATURE", DEFAULTS.temperature, 0, 1, problems);
  const maxSessions = numeric(
    "whole",
    env,
    "MAX_SESSIONS",
    DEFAULTS.maxSessions,
    1,
    100_000,
    problems,
  );
  const port = numeric("whole", env, "PORT", DEFAULTS.port, 1, 65_535, problems);

  const guardrailId = read(env, "GUARDRAIL_ID");
  const guardrailVersion = read(env, "GUARDRAIL_VERSION");
  let guardrail: GuardrailSettings | undefined;
  if (guardrailId !== undefined && guardrailVersion === undefined) {
    problems.push("GUARDRAIL_VERSION is required when GUARDRAIL_ID is set (set both or neither)");
  } else if (guardrailId === undefined && guardrailVersion !== undefined) {
    problems.push("GUARDRAIL_ID is required when GUARDRAIL_VERSION is set (set both or neither)");
  } else if (guardrailId !== undefined && guardrailVersion !== undefined) {
    if (!GUARDRAIL_ID.test(guardrailId)) {
      problems.push(`GUARDRAIL_ID must be a guardrail id or ARN (got ${quote(guardrailId)})`);
    }
    if (!GUARDRAIL_VERSION.test(guardrailVersion)) {
      problems.push(
        `GUARDRAIL_VERSION must be DRAFT or a version number (got ${quote(guardrailVersion)})`,
      );
    }
    guardrail = { id: guardrailId, version: guardrailVersion };
  }

  const systemPrompt = readSystemPrompt(env, problems);

  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    modelId: modelId!,
    modelRegion: modelRegion!,
    maxTokens,
    temperature,
    systemPrompt,
    guardrail,
    maxSessions,
    port,
  };
}

/**
 * The system prompt, taken verbatim (not trimmed: its whitespace may be deliberate): inline in
 * SYSTEM_PROMPT, which AgentCore caps at 5000 characters like any variable, or read from the file
 * SYSTEM_PROMPT_FILE names, of any length. A relative path is resolved against the working
 * directory: /app in the image, whose prompts/ folder holds agent/prompts/. The file is read once,
 * here at start, so a missing one stops the process before it serves anyone.
 */
function readSystemPrompt(env: Env, problems: string[]): string | undefined {
  const inline =
    env.SYSTEM_PROMPT === undefined || env.SYSTEM_PROMPT.trim() === ""
      ? undefined
      : env.SYSTEM_PROMPT;
  const file = read(env, "SYSTEM_PROMPT_FILE");
  if (file === undefined) return inline;
  if (inline !== undefined) {
    problems.push("SYSTEM_PROMPT and SYSTEM_PROMPT_FILE are both set (set one or the other)");
    return undefined;
  }
  const path = resolve(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push(`SYSTEM_PROMPT_FILE ${quote(file)} cannot be read (${reason}: ${path})`);
    return undefined;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    problems.push(`SYSTEM_PROMPT_FILE ${quote(file)} is not UTF-8 text (${path})`);
    return undefined;
  }
  if (text.trim() === "") {
    problems.push(`SYSTEM_PROMPT_FILE ${quote(file)} is empty (${path})`);
    return undefined;
  }
  return text;
}

/** A whole number, or a decimal like `0.7`: the two numeric kinds the settings take. */
const NUMERIC = {
  whole: { pattern: /^[0-9]+$/, valid: Number.isSafeInteger, noun: "a whole number" },
  decimal: { pattern: /^[0-9]*\.?[0-9]+$/, valid: Number.isFinite, noun: "a number" },
};

function numeric(
  kind: keyof typeof NUMERIC,
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const { pattern, valid, noun } = NUMERIC[kind];
  const value = pattern.test(raw) ? Number(raw) : Number.NaN;
  if (!valid(value) || value < min || value > max) {
    problems.push(`${name} must be ${noun} from ${min} to ${max} (got ${quote(raw)})`);
    return fallback;
  }
  return value;
}

/** Shows a bad value without flooding the log if someone pasted a document into a variable. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
