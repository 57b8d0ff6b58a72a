import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BedrockStandin } from "../agent/test/support/bedrock-standin";
import { freePort, isFree, onDrawnPort, saysAddressInUse } from "../agent/test/support/free-port";
import { ENTRY, NODE_FLAGS } from "../agent/src/boot/files";
import { buildHandler } from "../handler/build";
import { PROXY_NODE_OPTIONS } from "../handler/node-options";
import { AgentCoreStandin } from "./agentcore-standin";
import { agentRuntimeDataPlane } from "./agentcore-forward";
import { asPortInUse, PortInUseError, startLocalGateway, type LocalGateway } from "./apigw-local";
import type { APIGatewayProxyEvent } from "aws-lambda";
import {
  loadStreamingHandler,
  type Env,
  type InvocationResult,
  type StreamingHandlerHost,
} from "./lambda-host";
import { ricAvailable, startRicHost, type RicAvailability, type RicHost } from "./ric-host";
import { eachLine } from "./lines";
import { PROXY_SERVICE_NAME } from "../handler/telemetry";

/**
 * The whole chain on loopback, as `npm run dev` and the e2e tests run it:
 *
 *   browser/curl → local API Gateway (API key, REST proxy events, prelude decoding)
 *     → proxy bundle (dist/handler) under the genuine Node.js runtime interface client
 *       (aws-lambda-ric child processes on a loopback Runtime API), or, where that is not
 *       installed, in the in-process Lambda host
 *     → AgentCore data-plane stand-in (SigV4 check, session id rule, forwarding)
 *     → agent bundle (agent/dist/main.cjs) as a child process, POST /invocations
 *     → ConverseStream stand-in (offline, deterministic) or Amazon Bedrock (--bedrock).
 */

const REPO_ROOT = path.resolve(__dirname, "..");
const AGENT_DIR = path.join(REPO_ROOT, "agent");
export const AGENT_BUNDLE = path.join(AGENT_DIR, "dist", ENTRY);
export { freePort };
export const PAGE = path.join(__dirname, "web", "index.html");

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_RUNTIME_ARN = `arn:aws:bedrock-agentcore:${LOCAL_REGION}:${LOCAL_ACCOUNT}:runtime/agentcore_stream_local-0000000000`;
/** Fake static credentials: the proxy's SDK signs with them and the AgentCore stand-in verifies. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: "AKIALOCALDEV00000000",
  secretAccessKey: "local-dev-secret-access-key",
  sessionToken: "local-dev-session-token",
};
export const DEFAULT_API_KEY = "local-dev-key";
export const DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

export type ModelMode = "offline" | "bedrock";

/** "auto": the genuine runtime interface client when it is installed, else in-process. */
export type LambdaHostChoice = "auto" | "ric" | "in-process";

export interface LambdaHostInfo {
  readonly kind: "ric" | "in-process";
  /** Why the in-process host runs (set only then). */
  readonly reason?: string;
}

export interface DevStackOptions {
  /** Interface the gateway listens on; default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (tests). */
  gatewayPort?: number;
  agentPort?: number;
  agentcorePort?: number;
  modelPort?: number;
  apiKey?: string;
  /** More API keys, each a caller of its own (tests of per-caller sessions). */
  otherApiKeys?: readonly string[];
  model?: ModelMode;
  /** Model id for the agent (both modes); default Claude Haiku 4.5's inference profile. */
  modelId?: string;
  /** Pause between the offline model's words; default 30 ms. */
  wordDelayMs?: number;
  /** Where the proxy bundle goes; default dist/handler. */
  handlerOutdir?: string;
  /** Proxy env additions (e.g. HEARTBEAT_MS). */
  proxyEnv?: Env;
  /** Powertools log level of the proxy; default INFO. */
  proxyLogLevel?: string;
  /** One line of log from one component; default: nothing. */
  log?: (source: string, line: string) => void;
  /** The environment to take AWS settings from in bedrock mode; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** What runs the proxy bundle; default "auto". */
  lambdaHost?: LambdaHostChoice;
}

export interface AgentHandle {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited. */
  readonly exited: Promise<number | null>;
}

export interface DevStack {
  readonly gatewayUrl: string;
  readonly apiKey: string;
  readonly agentUrl: string;
  readonly agentcoreUrl: string;
  /** Undefined in bedrock mode. */
  readonly modelUrl: string | undefined;
  readonly model: ModelMode;
  readonly modelId: string;
  /** The offline model (undefined in bedrock mode): records requests, and whether they aborted. */
  readonly bedrock: BedrockStandin | undefined;
  readonly agentcore: AgentCoreStandin;
  /** The host running the proxy bundle (`kind` tells which). */
  readonly proxy: StreamingHandlerHost | RicHost;
  /** Which host runs the proxy, and why when it is the in-process fallback. */
  readonly lambdaHost: LambdaHostInfo;
  /** Every invocation of the proxy function so far, in order. */
  readonly invocations: readonly ProxyInvocation[];
  /** The agent process now running. */
  agent(): AgentHandle;
  /** Kills the agent at once (SIGKILL), as a crash would. */
  killAgent(): Promise<void>;
  /** Starts the agent again after a kill. */
  restartAgent(): Promise<void>;
  stop(): Promise<void>;
}

/** One invocation of the proxy function, as the Lambda service sees it. */
export interface ProxyInvocation {
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  /** Settles when the function's invocation is over (its answer ended, or it timed out). */
  readonly ended: Promise<InvocationResult & { endedAt: number }>;
}

export class DevStackError extends Error {
  override name = "DevStackError";
}

/** True when some AWS credentials are configured (env, profile or shared files). */
export function hasAwsCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (
    env.AWS_PROFILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE
  ) {
    return true;
  }
  const home = os.homedir();
  return [
    env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, ".aws", "credentials"),
    env.AWS_CONFIG_FILE ?? path.join(home, ".aws", "config"),
  ].some((file) => existsSync(file));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

/** Builds agent/dist/main.cjs when it is missing or older than its sources. Returns whether it built. */
export function ensureAgentBundle(log?: (line: string) => void): boolean {
  const sources = Math.max(
    newestMtime(path.join(AGENT_DIR, "src")),
    statSync(path.join(AGENT_DIR, "build.ts")).mtimeMs,
    statSync(path.join(AGENT_DIR, "package-lock.json")).mtimeMs,
  );
  if (existsSync(AGENT_BUNDLE) && statSync(AGENT_BUNDLE).mtimeMs >= sources) return false;
  log?.(
    existsSync(AGENT_BUNDLE) ? "agent bundle is stale: rebuilding" : "building the agent bundle",
  );
  const result = spawnSync(process.execPath, ["build.ts"], {
    cwd: AGENT_DIR,
    encoding: "utf8",
    env: process.env,
  });
  if (result.status !== 0) {
    throw new DevStackError(
      `building the agent failed (cd agent && npm run build):\n${result.stdout}${result.stderr}`,
    );
  }
  return true;
}

/** Resolves if nothing listens on the port (0 = free by definition); rejects with PortInUseError. */
export async function assertPortFree(port: number, host = "0.0.0.0"): Promise<void> {
  if (port !== 0 && !(await isFree(port, host))) throw new PortInUseError(port, host);
}

async function startAgentProcess(
  port: number,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<AgentHandle> {
  await assertPortFree(port);
  const child = spawn(process.execPath, [...NODE_FLAGS, AGENT_BUNDLE], {
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const sink = (line: string) => {
    output += `${line}\n`;
    log(line);
  };
  eachLine(child.stdout, sink);
  eachLine(child.stderr, sink);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const outcome = await Promise.race([
      exited.then((code) => ({ exited: code })),
      fetch(`${url}/ping`).then(
        (r) => ({ ok: r.ok }),
        () => ({ ok: false }),
      ),
    ]);
    if ("exited" in outcome) {
      if (saysAddressInUse(output)) throw new PortInUseError(port, "0.0.0.0");
      throw new DevStackError(
        `the agent exited with ${outcome.exited} before it was ready:\n${output}`,
      );
    }
    if (outcome.ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new DevStackError(`the agent did not answer GET /ping within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, url, child, exited };
}

/** Starts the agent on the given port, or on a free one, drawing again if it is taken meanwhile. */
async function startAgentOnItsPort(
  port: number | undefined,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<AgentHandle> {
  if (port) return startAgentProcess(port, env, log);
  return onDrawnPort(
    (drawn) => startAgentProcess(drawn, env, log),
    (error) => error instanceof PortInUseError,
    (error) => log(`${(error as Error).message}: drawing another port`),
  );
}

async function stopAgentProcess(agent: AgentHandle): Promise<void> {
  if (agent.child.exitCode === null && agent.child.signalCode === null) {
    agent.child.kill("SIGTERM");
    const timer = setTimeout(() => agent.child.kill("SIGKILL"), 5_000);
    await agent.exited;
    clearTimeout(timer);
  }
}

function wrapPortError<T>(promise: Promise<T>, port: number, host: string): Promise<T> {
  return promise.catch((err: NodeJS.ErrnoException) => {
    throw asPortInUse(err, port, host);
  });
}

/** Resolves "auto" and refuses "ric" when the client is not installed. */
export function chooseLambdaHost(
  choice: LambdaHostChoice,
  ric: RicAvailability = ricAvailable(),
): LambdaHostInfo {
  if (choice === "in-process") {
    return { kind: "in-process", reason: "asked for (--lambda-host in-process)" };
  }
  if (ric.ok) return { kind: "ric" };
  if (choice === "ric") {
    throw new DevStackError(`the genuine runtime interface client cannot run: ${ric.reason}`);
  }
  return { kind: "in-process", reason: ric.reason };
}

export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const log = options.log ?? (() => undefined);
  const mode: ModelMode = options.model ?? "offline";
  const modelId = options.modelId ?? DEFAULT_MODEL_ID;
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const hostEnv = { ...(options.env ?? process.env) };
  if (mode === "bedrock" && !hasAwsCredentials(hostEnv)) {
    throw new DevStackError(
      "--bedrock needs AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws); none found",
    );
  }
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // keep going: everything must stop
      }
    }
    cleanups.length = 0;
  };

  try {
    // Ports first, so a taken one fails before anything is built or started.
    await assertPortFree(options.gatewayPort ?? 0, options.host ?? "127.0.0.1");
    if (options.agentPort) await assertPortFree(options.agentPort);

    ensureAgentBundle((line) => log("build", line));
    const bundle = buildHandler({ outdir: options.handlerOutdir });
    log(
      "build",
      `proxy bundle: ${path.relative(REPO_ROOT, path.join(bundle.dir, bundle.entry))} (${bundle.bytes} bytes)`,
    );

    // The model.
    let bedrock: BedrockStandin | undefined;
    if (mode === "offline") {
      const port = options.modelPort ?? 0;
      bedrock = await wrapPortError(
        BedrockStandin.start({
          port,
          unscripted: "default-answer",
          wordDelayMs: options.wordDelayMs,
        }),
        port,
        "127.0.0.1",
      );
      const b = bedrock;
      cleanups.push(() => b.close());
    }

    // The agent, with a closed environment offline (nothing of this machine's AWS setup leaks in).
    const agentEnv: Record<string, string> =
      mode === "offline"
        ? {
            PATH: hostEnv.PATH ?? "/usr/bin:/bin",
            HOME: hostEnv.HOME ?? os.tmpdir(),
            AWS_REGION: LOCAL_REGION,
            AWS_ACCESS_KEY_ID: "AKIAOFFLINEMODEL0000",
            AWS_SECRET_ACCESS_KEY: "offline-model-secret",
            AWS_CONFIG_FILE: "/nonexistent/aws-config",
            AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock!.endpoint,
            MODEL_ID: modelId,
          }
        : {
            ...(Object.fromEntries(
              Object.entries(hostEnv).filter(([, v]) => v !== undefined),
            ) as Record<string, string>),
            AWS_REGION: hostEnv.AWS_REGION ?? hostEnv.AWS_DEFAULT_REGION ?? LOCAL_REGION,
            MODEL_ID: modelId,
          };
    if (mode === "bedrock") delete agentEnv.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
    const agentLog = (line: string) => log("agent", line);
    let agent = await startAgentOnItsPort(options.agentPort, agentEnv, agentLog);
    const agentPort = agent.port;
    cleanups.push(() => stopAgentProcess(agent));

    // The AgentCore data plane.
    const agentcorePort = options.agentcorePort ?? 0;
    const agentcore = await wrapPortError(
      AgentCoreStandin.start({ port: agentcorePort }),
      agentcorePort,
      "127.0.0.1",
    );
    cleanups.push(() => agentcore.close());
    const forward = {
      agentUrl: agent.url,
      credentials: LOCAL_CREDENTIALS,
      region: LOCAL_REGION,
      log: (line: string) => log("agentcore", line),
    };
    const dataPlane = agentRuntimeDataPlane(forward);
    agentcore.onInvoke(dataPlane.invoke).onStop(dataPlane.stop);

    // The proxy.
    const gatewayHost = options.host ?? "127.0.0.1";
    const gatewayPort = options.gatewayPort ?? 0;
    const pageOrigins = new Set([
      `http://localhost:${gatewayPort}`,
      `http://127.0.0.1:${gatewayPort}`,
    ]);
    // The gateway's port may be ephemeral: load the proxy once its origin is known.
    let proxy: StreamingHandlerHost | RicHost | undefined;
    const invocations: ProxyInvocation[] = [];
    const invoker = {
      invoke: (event: APIGatewayProxyEvent, o?: { deadlineMs?: number }) => {
        const invocation = proxy!.invoke(event, o);
        invocations.push({
          method: event.httpMethod,
          path: event.path,
          startedAt: Date.now(),
          ended: invocation.result.then((result) => ({ ...result, endedAt: Date.now() })),
        });
        return invocation;
      },
    };
    const gateway: LocalGateway = await startLocalGateway(invoker, {
      host: gatewayHost,
      port: gatewayPort,
      apiKey,
      otherApiKeys: options.otherApiKeys,
      pagePath: PAGE,
      log: (line) => log("apigw", line),
    });
    cleanups.push(() => gateway.close());
    const port = Number(new URL(gateway.url).port);
    pageOrigins.add(`http://localhost:${port}`);
    pageOrigins.add(`http://127.0.0.1:${port}`);
    const lambdaHost = chooseLambdaHost(options.lambdaHost ?? "auto");
    const bundlePath = path.join(bundle.dir, bundle.entry);
    const env: Env = {
      AGENT_RUNTIME_ARN: LOCAL_RUNTIME_ARN,
      AGENT_RUNTIME_QUALIFIER: "DEFAULT",
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: agentcore.url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: LOCAL_CREDENTIALS.sessionToken,
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_PROFILE: undefined,
      AWS_EC2_METADATA_DISABLED: "true",
      CORS_ALLOWED_ORIGINS: [...pageOrigins].join(","),
      POWERTOOLS_SERVICE_NAME: PROXY_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: "AgentcoreStreamLocal",
      POWERTOOLS_LOG_LEVEL: options.proxyLogLevel ?? "INFO",
      POWERTOOLS_METRICS_DISABLED: "true",
      ...options.proxyEnv,
    };
    if (lambdaHost.kind === "ric") {
      // The function's own NODE_OPTIONS: its child processes are Node started as Lambda starts it.
      // (The in-process host cannot apply them: this process is already running.)
      const ric = startRicHost(
        bundlePath,
        { NODE_OPTIONS: PROXY_NODE_OPTIONS, ...env },
        { log: (line) => log("proxy", line) },
      );
      cleanups.push(() => ric.dispose());
      // One environment up front: a bundle that cannot init fails the start, not the first call.
      await ric.warm(1).catch((err: unknown) => {
        throw new DevStackError(`the proxy bundle failed to initialise: ${String(err)}`);
      });
      proxy = ric;
    } else {
      const inProcess = loadStreamingHandler(bundlePath, env);
      cleanups.push(() => inProcess.dispose());
      proxy = inProcess;
    }

    return {
      gatewayUrl: `http://localhost:${port}`,
      apiKey,
      agentUrl: agent.url,
      agentcoreUrl: agentcore.url,
      modelUrl: bedrock?.endpoint,
      model: mode,
      modelId,
      bedrock,
      agentcore,
      proxy,
      lambdaHost,
      invocations,
      agent: () => agent,
      killAgent: async () => {
        agent.child.kill("SIGKILL");
        await agent.exited;
      },
      restartAgent: async () => {
        await stopAgentProcess(agent);
        agent = await startAgentProcess(agentPort, agentEnv, agentLog);
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
