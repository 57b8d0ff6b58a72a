import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { Agent } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { forwardInvoke } from "../local/agentcore-forward";
import {
  buildProxyEvent,
  decodeLambdaResponse,
  type LambdaHttpResponse,
} from "../local/apigw-decode";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDevStack,
  type DevStack,
  type LambdaHostChoice,
} from "../local/dev-stack";
import { startTsChild, type Child } from "./child";
import type { StreamTarget } from "./sse-client";

/**
 * The two paths the relay-overhead and concurrency benchmarks compare, both ending at the same
 * synthetic agent (a child process):
 *
 * - direct: client → agent `POST /invocations`;
 * - chain:  client → local API Gateway → proxy bundle in the dev stack's Lambda host → AgentCore
 *   stand-in (SigV4 check, forwarding) → agent.
 *
 * The chain is `startDevStack` itself, with its defaults (whichever Lambda host it uses is
 * recorded), and its AgentCore stand-in re-pointed from the real agent bundle to the synthetic
 * agent, so the pieces measured are exactly those `npm run dev` runs. The dev stack's own agent and
 * offline model keep running, idle.
 */

/** The synthetic agent's stream in a full run: 50 text events, 5 ms apart. */
export const PACED_STREAM = { events: 50, paceMs: 5 } as const;

/** The paced stream a measure was asked for, PACED_STREAM where it was not. */
export function pacedStream(options: { events?: number; paceMs?: number }): {
  events: number;
  paceMs: number;
} {
  return {
    events: options.events ?? PACED_STREAM.events,
    paceMs: options.paceMs ?? PACED_STREAM.paceMs,
  };
}

export interface BenchChain {
  readonly direct: StreamTarget;
  readonly chain: StreamTarget;
  /** The dev stack's AgentCore stand-in (forwarding to the synthetic agent). */
  readonly agentcoreUrl: string;
  /**
   * The proxy bundle alone: invokes it in the dev stack's Lambda host with the event the API
   * stand-in would build, and returns the body as API Gateway would stream it (prelude decoded).
   */
  invokeProxy(): Promise<LambdaHttpResponse>;
  /** The Lambda host the dev stack used. */
  readonly lambdaHost: string;
  stop(): Promise<void>;
}

export interface ChainOptions {
  events: number;
  paceMs: number;
  /** Concurrent connections per path (default 64). */
  maxSockets?: number;
  /** Which Lambda host the dev stack runs the proxy in; default: the dev stack's default. */
  lambdaHost?: LambdaHostChoice;
  /** Execution environments to start before measuring, when the host has a pool (the RIC host). */
  warmEnvironments?: number;
}

export async function startBenchChain(options: ChainOptions): Promise<BenchChain> {
  const agent: Child<{ url: string }> = await startTsChild(
    path.join(__dirname, "synthetic-agent.ts"),
    [String(options.events), String(options.paceMs)],
  );
  const outdir = path.join(os.tmpdir(), `agentcore-stream-bench-${process.pid}`);
  let stack: DevStack;
  try {
    stack = await startDevStack({
      handlerOutdir: outdir,
      proxyLogLevel: "SILENT",
      lambdaHost: options.lambdaHost,
    });
  } catch (err) {
    await agent.stop();
    throw err;
  }
  stack.agentcore.onInvoke(
    forwardInvoke({
      agentUrl: agent.ready.url,
      credentials: LOCAL_CREDENTIALS,
      region: LOCAL_REGION,
    }),
  );
  const keepAlive = () => new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const body = JSON.stringify({ prompt: "benchmark" });
  const directAgent = keepAlive();
  const chainAgent = keepAlive();
  // Warm environments, as a function that has been serving traffic has: the benchmark measures
  // the relay, not the host's on-demand init.
  if (options.warmEnvironments !== undefined && stack.proxy.kind === "ric") {
    await stack.proxy.warm(options.warmEnvironments);
  }
  const proxyEvent = () =>
    buildProxyEvent({
      method: "POST",
      path: "/invoke",
      body,
      headers: { "Content-Type": "application/json" },
    });
  return {
    agentcoreUrl: stack.agentcoreUrl,
    invokeProxy: () => decodeLambdaResponse(stack.proxy.invoke(proxyEvent())),
    lambdaHost: stack.lambdaHost.kind,
    direct: {
      url: `${agent.ready.url}/invocations`,
      agent: directAgent,
      body,
      // What the AgentCore data plane sends the container (see local/agentcore-forward.ts); the
      // session id varies per request in forwarded calls too (the proxy mints one per new chat).
      get headers() {
        return {
          "content-type": "application/json",
          accept: "text/event-stream",
          "x-amzn-bedrock-agentcore-runtime-session-id": `bench-${randomUUID()}`,
        };
      },
    },
    chain: {
      url: `${stack.gatewayUrl.replace("localhost", "127.0.0.1")}/invoke`,
      agent: chainAgent,
      body,
      headers: { "content-type": "application/json", "x-api-key": stack.apiKey },
    },
    stop: async () => {
      directAgent.destroy();
      chainAgent.destroy();
      await stack.stop();
      await agent.stop();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}
