import { createHash } from "node:crypto";

/**
 * Everything the proxy reads from its environment, parsed once at init (the Pulumi component
 * sets these). A bad value does not throw at init: a Lambda that fails to initialise gives API
 * Gateway nothing to relay, so the client would see a bare 502. Instead the problems are logged
 * and every request answers a well-formed 500.
 */
export interface Config {
  agentRuntimeArn: string;
  qualifier: string;
  heartbeatMs: number;
  maxBodyBytes: number;
  deadlineMarginMs: number;
  cors: CorsConfig | undefined;
  /** HMAC key that scopes runtime session ids to a caller identity (see session.ts). */
  sessionKey: Buffer;
}

export interface CorsConfig {
  anyOrigin: boolean;
  origins: ReadonlySet<string>;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const DEFAULTS = {
  qualifier: "DEFAULT",
  heartbeatMs: 15_000,
  maxBodyBytes: 256 * 1024,
  deadlineMarginMs: 3_000,
} as const;

export function readConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return Number(raw);
  };

  const agentRuntimeArn = env.AGENT_RUNTIME_ARN?.trim() ?? "";
  if (agentRuntimeArn === "") problems.push("AGENT_RUNTIME_ARN is required");

  const config: Config = {
    agentRuntimeArn,
    qualifier: env.AGENT_RUNTIME_QUALIFIER?.trim() || DEFAULTS.qualifier,
    // 1 ms minimum so tests can use short heartbeats; API Gateway's idle timeout is 30 s (edge)
    // to 5 min (regional), hence the 15 s default.
    heartbeatMs: int("HEARTBEAT_MS", DEFAULTS.heartbeatMs, 1, 3_600_000),
    maxBodyBytes: int("MAX_BODY_BYTES", DEFAULTS.maxBodyBytes, 1, 10 * 1024 * 1024),
    deadlineMarginMs: int("DEADLINE_MARGIN_MS", DEFAULTS.deadlineMarginMs, 0, 900_000),
    cors: readCors(env.CORS_ALLOWED_ORIGINS),
    sessionKey: readSessionKey(env.SESSION_KEY, agentRuntimeArn),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

function readCors(raw: string | undefined): CorsConfig | undefined {
  const list = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) return undefined;
  return { anyOrigin: list.includes("*"), origins: new Set(list.filter((s) => s !== "*")) };
}

/**
 * The session key's job is separation, not secrecy: it makes the runtime session id a function
 * of (caller identity, client session id) so that one caller can never name another caller's
 * runtime session. Without SESSION_KEY the key is derived from the runtime ARN, which keeps ids
 * stable across deployments of the same runtime. Set SESSION_KEY (from a secret) if the derived
 * runtime session ids must also be unguessable to someone who knows the ARN.
 */
function readSessionKey(raw: string | undefined, agentRuntimeArn: string): Buffer {
  if (raw !== undefined && raw !== "") return Buffer.from(raw, "utf8");
  return createHash("sha256")
    .update(`agentcore-stream/session-scope/v1\0${agentRuntimeArn}`)
    .digest();
}
