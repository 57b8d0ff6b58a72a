// Runs the built agent (its entry, dist/main.cjs, which runs dist/agent.cjs) as a child process,
// the way the container runs it: this Node.js with the image's flags.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../src/boot/files.js";
import { freePort, onDrawnPort, saysAddressInUse } from "./free-port.js";

export { freePort };

export const BUNDLE = fileURLToPath(new URL("../../dist/main.cjs", import.meta.url));

export interface AgentProcess {
  readonly port: number;
  readonly baseUrl: string;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The child's whole environment: nothing is inherited, so the host's AWS profile, credentials or
 * region can never leak into a test. Credentials are dummies; the stand-in does not check them.
 */
export function agentEnv(
  standinEndpoint: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDSTANDIN",
    AWS_SECRET_ACCESS_KEY: "standin-secret",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: standinEndpoint,
    MODEL_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ...extra,
  };
}

function collect(child: ChildProcess): () => string {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return () => output;
}

/**
 * Starts the entry (by default the built one) and resolves once GET /ping answers. Without a PORT
 * in `env` it draws one, and draws again if another process takes it before the agent listens.
 */
export async function startAgent(
  env: Record<string, string>,
  entry: string = BUNDLE,
): Promise<AgentProcess> {
  if (env.PORT !== undefined) return startAgentOn(Number(env.PORT), env, entry);
  return onDrawnPort(
    (port) => startAgentOn(port, env, entry),
    (error) => error instanceof PortTakenError,
  );
}

class PortTakenError extends Error {}

async function startAgentOn(
  port: number,
  env: Record<string, string>,
  entry: string,
): Promise<AgentProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, entry], {
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const baseUrl = `http://127.0.0.1:${port}`;

  // Readiness by polling, bounded by a generous deadline (a loaded CI machine can be slow to start).
  const deadline = Date.now() + 20_000;
  let ready = false;
  while (!ready) {
    const outcome = await Promise.race([
      exited.then((code) => ({ exitedWith: code })),
      fetch(`${baseUrl}/ping`).then(
        (response) => ({ ok: response.ok }),
        () => ({ ok: false }),
      ),
    ]);
    if ("exitedWith" in outcome) {
      const Failure = saysAddressInUse(output()) ? PortTakenError : Error;
      throw new Failure(
        `the agent exited with ${outcome.exitedWith} before it was ready:\n${output()}`,
      );
    }
    ready = outcome.ok;
    if (!ready) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`the agent did not answer /ping in time:\n${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return {
    port,
    baseUrl,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * Runs the entry, with `args`, until it exits by itself: on bad configuration, or at the end of
 * the code cache step (`--write-code-cache`).
 */
export async function runUntilExit(
  env: Record<string, string>,
  timeoutMs = 20_000,
  entry: string = BUNDLE,
  args: readonly string[] = [],
): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, entry, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  // `close`, not `exit`: what the process wrote last is read only once its pipes are closed.
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, output: output(), stdout };
}
