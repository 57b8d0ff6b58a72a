import { pacedStream, startBenchChain } from "./chain";
import { interleave, round, rounded, summarize, type Summary } from "./stats";
import { failure, streamRequest, type StreamTarget } from "./sse-client";
import type { LambdaHostChoice } from "../local/dev-stack";

/**
 * Item 4: `streams` simultaneous requests through the local chain (dev stack → synthetic agent:
 * the same paced stream as item 1, so the numbers isolate the relay path from the model), repeated
 * for `rounds` bursts; the same bursts sent directly to the agent give the baseline. A stream is an
 * error when it fails, is not a 200, misses an event or lacks its closing `done`.
 */

export interface ConcurrencyOptions {
  streams?: number;
  rounds?: number;
  events?: number;
  paceMs?: number;
  lambdaHost?: LambdaHostChoice;
  log?: (line: string) => void;
}

export interface BurstStats {
  requests: number;
  errors: number;
  errorSamples: string[];
  ttfbMs: Summary;
  /** Request sent → last byte. */
  totalMs: Summary;
}

export interface ConcurrencyResult {
  streams: number;
  rounds: number;
  events: number;
  paceMs: number;
  lambdaHost: string;
  direct: BurstStats;
  chain: BurstStats;
  /** chain − direct, p50 and p99 of time to first byte. */
  addedTtfbMs: { p50: number; p99: number };
  target: { maxErrors: number; met: boolean };
}

export async function measureConcurrency(
  options: ConcurrencyOptions = {},
): Promise<ConcurrencyResult> {
  const streams = options.streams ?? 50;
  const rounds = options.rounds ?? 5;
  const { events, paceMs } = pacedStream(options);
  const log = options.log ?? (() => undefined);
  const bench = await startBenchChain({
    events,
    paceMs,
    maxSockets: streams,
    warmEnvironments: streams,
    lambdaHost: options.lambdaHost,
  });
  try {
    const burst = async (target: StreamTarget) =>
      Promise.all(Array.from({ length: streams }, () => streamRequest(target)));
    // One small burst each first, so sockets, JIT and the SDK's connection pool are warm.
    await burst(bench.direct);
    await burst(bench.chain);
    const outcomes = {
      direct: [] as Awaited<ReturnType<typeof burst>>,
      chain: [] as Awaited<ReturnType<typeof burst>>,
    };
    const order = interleave(["chain", "direct"] as const, rounds);
    for (let i = 0; i < order.length; i++) {
      outcomes[order[i]].push(...(await burst(bench[order[i]])));
      if (i % 2 === 1) log(`concurrency: ${(i + 1) / 2}/${rounds} bursts of ${streams}`);
    }
    const stats = (list: typeof outcomes.direct): BurstStats => {
      const errors: string[] = [];
      const ok: typeof list = [];
      for (const outcome of list) {
        const problem = failure(outcome, events);
        if (problem === undefined) ok.push(outcome);
        else errors.push(problem);
      }
      return {
        requests: list.length,
        errors: errors.length,
        errorSamples: errors.slice(0, 5),
        ttfbMs: rounded(summarize(ok.map((o) => o.ttfbMs)), 3),
        totalMs: rounded(summarize(ok.map((o) => o.totalMs)), 3),
      };
    };
    const direct = stats(outcomes.direct);
    const chain = stats(outcomes.chain);
    return {
      streams,
      rounds,
      events,
      paceMs,
      lambdaHost: bench.lambdaHost,
      direct,
      chain,
      addedTtfbMs: {
        p50: round(chain.ttfbMs.median - direct.ttfbMs.median, 3),
        p99: round(chain.ttfbMs.p99 - direct.ttfbMs.p99, 3),
      },
      target: { maxErrors: 0, met: chain.errors === 0 },
    };
  } finally {
    await bench.stop();
  }
}
