// Runs the built agent (its entry, dist/main.cjs, which runs dist/agent.cjs) as a child process,
// the way the container runs it: this Node.js with the image's flags.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { ENTRY, NODE_FLAGS } from "../../src/boot/files.js";
import { freePort, onDrawnPort, saysAddressInUse } from "./free-port.js";

export { freePort };
export { agentEnv } from "./agent-env.js";

export const BUNDLE = fileURLToPath(new URL(`../../dist/${ENTRY}`, import.meta.url));

export interface AgentProcess {
  readonly port: number;
  readonly baseUrl: string;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
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
