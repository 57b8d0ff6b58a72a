import { randomUUID } from "node:crypto";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LOCAL_RUNTIME_ARN,
  type LambdaHostChoice,
} from "../local/dev-stack";
import { pacedStream, startBenchChain, type BenchChain } from "./chain";
import { interleave, round, rounded, summarize, type Summary } from "./stats";
import {
  failure,
  streamRequest,
  StreamTimer,
  type StreamOutcome,
  type StreamTarget,
} from "./sse-client";

/**
 * Item 1: what the relay adds. The same paced stream (the synthetic agent: `events` text events
 * `paceMs` apart) is requested directly and through the local chain, alternately and one at a
 * time, after a warm-up; the order rotates every round so no path always goes first. Time to
 * first byte is per request; per-event latency is the agent's send time to the client's receive
 * time, on the same clock, for every event. Added = chain − direct, per statistic.
 *
 * Two more paths, diagnostic, split the added time by who adds it:
 * - sdk: the AWS SDK in this process calling the AgentCore stand-in, which forwards to the same
 *   agent: sdk − direct is the signed call and the stand-in's SigV4 check and forwarding hop;
 * - proxy: the proxy bundle invoked in the dev stack's Lambda host (no API stand-in), its body
 *   read as API Gateway reads it: proxy − sdk is the proxy's own code and the Lambda host, and
 *   chain − proxy the API Gateway stand-in and its HTTP hop.
 */

export interface RelayOverheadOptions {
  /** Measured requests per path (default 100). */
  requests?: number;
  warmup?: number;
  events?: number;
  paceMs?: number;
  lambdaHost?: LambdaHostChoice;
  log?: (line: string) => void;
}

export interface PathStats {
  ttfbMs: Summary;
  eventLatencyMs: Summary;
}

type PathName = "direct" | "chain" | "sdk" | "proxy";
const PATHS: PathName[] = ["direct", "chain", "sdk", "proxy"];

export interface RelayOverheadResult {
  requestsPerPath: number;
  events: number;
  paceMs: number;
  lambdaHost: string;
  direct: PathStats;
  chain: PathStats;
  /** Diagnostic: SDK → AgentCore stand-in → agent. */
  sdk: PathStats;
  /** Diagnostic: proxy bundle in the Lambda host → AgentCore stand-in → agent. */
  proxy: PathStats;
  errors: number;
  errorSamples: string[];
  added: {
    ttfbMedianMs: number;
    ttfbP99Ms: number;
    eventMedianMs: number;
    eventP99Ms: number;
  };
  /** Median time to first byte split: sdk − direct, proxy − sdk, chain − proxy. */
  ttfbSplitMs: { sdkAndAgentcoreStandin: number; proxyAndHost: number; apiGatewayStandin: number };
  /** chain / direct. */
  ratio: { ttfbMedian: number; eventMedian: number; eventP99: number };
  target: {
    maxAddedTtfbMedianMs: number;
    maxAddedEventP99Ms: number;
    ttfbMet: boolean;
    eventMet: boolean;
  };
}

export const TARGET_ADDED_MS = 2;

export async function measureRelayOverhead(
  options: RelayOverheadOptions = {},
): Promise<RelayOverheadResult> {
  const requests = options.requests ?? 100;
  const warmup = options.warmup ?? 10;
  const { events, paceMs } = pacedStream(options);
  const log = options.log ?? (() => undefined);
  const bench = await startBenchChain({
    events,
    paceMs,
    maxSockets: 1,
    lambdaHost: options.lambdaHost,
  });
  const client = new BedrockAgentCoreClient({
    endpoint: bench.agentcoreUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const runs: Record<PathName, StreamOutcome[]> = { direct: [], chain: [], sdk: [], proxy: [] };
    const errors: string[] = [];
    const call = (name: PathName): Promise<StreamOutcome> =>
      name === "sdk"
        ? viaSdk(client)
        : name === "proxy"
          ? viaProxy(bench)
          : streamRequest(bench[name] as StreamTarget);
    const order = interleave(PATHS, warmup + requests);
    for (let i = 0; i < order.length; i++) {
      const name = order[i];
      const pass = Math.floor(i / PATHS.length);
      const outcome = await call(name);
      const problem = failure(outcome, events);
      if (problem !== undefined) errors.push(`${name}: ${problem}`);
      else if (pass >= warmup) runs[name].push(outcome);
      if (i % PATHS.length === PATHS.length - 1 && (pass + 1) % 25 === 0) {
        log(`relay overhead: ${pass + 1}/${warmup + requests} rounds`);
      }
    }
    const stats = (outcomes: StreamOutcome[]): PathStats => ({
      ttfbMs: summarize(outcomes.map((o) => o.ttfbMs)),
      eventLatencyMs: summarize(outcomes.flatMap((o) => o.eventLatencyMs)),
    });
    const direct = stats(runs.direct);
    const chain = stats(runs.chain);
    const sdk = stats(runs.sdk);
    const proxy = stats(runs.proxy);
    const added = {
      ttfbMedianMs: round(chain.ttfbMs.median - direct.ttfbMs.median, 3),
      ttfbP99Ms: round(chain.ttfbMs.p99 - direct.ttfbMs.p99, 3),
      eventMedianMs: round(chain.eventLatencyMs.median - direct.eventLatencyMs.median, 3),
      eventP99Ms: round(chain.eventLatencyMs.p99 - direct.eventLatencyMs.p99, 3),
    };
    const r3 = (s: PathStats): PathStats => ({
      ttfbMs: rounded(s.ttfbMs, 3),
      eventLatencyMs: rounded(s.eventLatencyMs, 3),
    });
    return {
      requestsPerPath: requests,
      events,
      paceMs,
      lambdaHost: bench.lambdaHost,
      direct: r3(direct),
      chain: r3(chain),
      sdk: r3(sdk),
      proxy: r3(proxy),
      errors: errors.length,
      errorSamples: errors.slice(0, 5),
      added,
      ttfbSplitMs: {
        sdkAndAgentcoreStandin: round(sdk.ttfbMs.median - direct.ttfbMs.median, 3),
        proxyAndHost: round(proxy.ttfbMs.median - sdk.ttfbMs.median, 3),
        apiGatewayStandin: round(chain.ttfbMs.median - proxy.ttfbMs.median, 3),
      },
      ratio: {
        ttfbMedian: round(chain.ttfbMs.median / direct.ttfbMs.median, 3),
        eventMedian: round(chain.eventLatencyMs.median / direct.eventLatencyMs.median, 3),
        eventP99: round(chain.eventLatencyMs.p99 / direct.eventLatencyMs.p99, 3),
      },
      target: {
        maxAddedTtfbMedianMs: TARGET_ADDED_MS,
        maxAddedEventP99Ms: TARGET_ADDED_MS,
        ttfbMet: added.ttfbMedianMs <= TARGET_ADDED_MS,
        eventMet: added.eventP99Ms <= TARGET_ADDED_MS,
      },
    };
  } finally {
    client.destroy();
    await bench.stop();
  }
}

/** The proxy's own upstream call, made from here: InvokeAgentRuntime, body read as it streams. */
function viaSdk(client: BedrockAgentCoreClient): Promise<StreamOutcome> {
  return timeStream(async () => {
    const out = await client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: LOCAL_RUNTIME_ARN,
        qualifier: "DEFAULT",
        runtimeSessionId: `bench-${randomUUID()}`,
        contentType: "application/json",
        accept: "text/event-stream",
        payload: Buffer.from(JSON.stringify({ prompt: "benchmark" }), "utf8"),
      }),
    );
    return { status: out.statusCode ?? 200, body: out.response as AsyncIterable<Uint8Array> };
  });
}

/** The proxy bundle alone, in the dev stack's Lambda host; its body read as API Gateway reads it. */
function viaProxy(bench: BenchChain): Promise<StreamOutcome> {
  return timeStream(async () => {
    const response = await bench.invokeProxy();
    return { status: response.statusCode, body: response.body as AsyncIterable<Uint8Array> };
  });
}

/** Times a stream from the moment `open` is called until its body ends. */
async function timeStream(
  open: () => Promise<{ status: number; body: AsyncIterable<Uint8Array> }>,
): Promise<StreamOutcome> {
  const timer = new StreamTimer();
  try {
    const { status, body } = await open();
    timer.outcome.status = status;
    for await (const chunk of body) timer.chunk(chunk);
    return timer.finish();
  } catch (err) {
    return timer.finish(err instanceof Error ? err.message : String(err));
  }
}
