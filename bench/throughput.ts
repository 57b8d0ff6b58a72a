import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { buildHandler } from "../handler/build";
import { AgentCoreStandin, type Responder } from "../local/agentcore-standin";
import { PROXY_NODE_OPTIONS } from "../handler/node-options";
import { lambdaEnv } from "./lambda-env";
import { scriptBundle } from "./script-bundle";
import { median, round } from "./stats";

/**
 * Item 2: `megabytes` of SSE relayed through the built proxy bundle, in a child process of its
 * own (relay-child.ts: Lambda host + API Gateway stand-in), between an AgentCore stand-in that
 * writes as fast as the relay takes it (each 64 KiB write awaits its flush, so the producer
 * follows TCP backpressure) and a client that counts the bytes, both in this process.
 *
 * The producer outruns the relay, so if the relay buffered instead of applying backpressure, its
 * memory would grow with the volume. The child's resident set size is read from /proc every
 * 50 ms (falling back to asking the child where /proc does not exist); growth is the peak during
 * the run minus the resident size after a warm-up relay. Each run uses a fresh child, with the
 * function's NODE_OPTIONS as deployed, alternating with a diagnostic run without its young-
 * generation cap (Node's default), which shows what the cap is for.
 */

export interface ThroughputOptions {
  megabytes?: number;
  runs?: number;
  /** Relayed once before the baseline is taken (default 16). */
  warmupMegabytes?: number;
  log?: (line: string) => void;
}

export interface ThroughputRun {
  megabytes: number;
  seconds: number;
  mbPerSecond: number;
  baselineRssMb: number;
  peakRssMb: number;
  growthMb: number;
  /**
   * Heap + external memory after a full GC, after the run minus after the warm-up: what the
   * process retained (buffered) rather than had not yet collected.
   */
  retainedMb: number;
  samples: number;
  /** The stream ended with the agent's `done` and every byte arrived. */
  complete: boolean;
}

interface RunsSummary {
  medianMbPerSecond: number;
  medianGrowthMb: number;
  maxGrowthMb: number;
  maxRetainedMb: number;
}

export interface ThroughputResult extends RunsSummary {
  megabytes: number;
  /** The function's NODE_OPTIONS as deployed. */
  nodeOptions: string;
  runs: ThroughputRun[];
  /** Diagnostic: the same relays with Node's default young generation (see YOUNG_GENERATION_CAP). */
  uncapped: RunsSummary & { nodeOptions: string; runs: ThroughputRun[] };
  /** Relays, deployed and uncapped, that did not complete. */
  errors: number;
  target: { maxGrowthMb: number; met: boolean };
}

export const TARGET_GROWTH_MB = 32;
/** The function's young-generation cap (handler/node-options.ts says why it is there). */
export const YOUNG_GENERATION_CAP = /--max-semi-space-size=\S+/.exec(PROXY_NODE_OPTIONS)?.[0] ?? "";
/** The diagnostic variant: the function's NODE_OPTIONS without the cap. */
const UNCAPPED_NODE_OPTIONS = PROXY_NODE_OPTIONS.replace(YOUNG_GENERATION_CAP, "").trim();
const MB = 1024 * 1024;
const SAMPLE_MS = 50;

/** One 64 KiB write: 64 events of 1 KiB each. */
function eventChunk(): Buffer {
  const prefix = 'event: text\ndata: {"text":"';
  const suffix = '"}\n\n';
  const text = "y".repeat(1024 - prefix.length - suffix.length);
  return Buffer.from(`${prefix}${text}${suffix}`.repeat(64), "utf8");
}

const DONE =
  'event: done\ndata: {"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}\n\n';

function bulkResponder(bytes: () => number): Responder {
  const chunk = eventChunk();
  return async (ctl) => {
    ctl.start({ status: 200, contentType: "text/event-stream" });
    for (let sent = 0; sent < bytes() && !ctl.aborted; sent += chunk.length) {
      await ctl.write(chunk);
    }
    await ctl.end(DONE);
  };
}

export async function measureThroughput(
  options: ThroughputOptions = {},
): Promise<ThroughputResult> {
  const megabytes = options.megabytes ?? 200;
  const runs = options.runs ?? 3;
  const warmup = options.warmupMegabytes ?? 16;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentcore-stream-bench-relay-"));
  const standin = await AgentCoreStandin.start();
  try {
    const bundle = buildHandler({ outdir: path.join(dir, "proxy") });
    const bundleFile = path.join(bundle.dir, bundle.entry);
    const childFile = scriptBundle(
      path.join(__dirname, "relay-child.ts"),
      path.join(dir, "relay-child"),
    );
    let size = 0;
    standin.onInvoke(bulkResponder(() => size));

    /** One relay of `megabytes` in a fresh child, after a warm-up relay. */
    const relayRun = async (nodeOptions: string): Promise<ThroughputRun> => {
      const child = await startRelayChild(childFile, bundleFile, standin.url, nodeOptions);
      try {
        size = warmup * MB;
        await relayOnce(child.url);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const baseline = median([await child.rss(), await child.rss(), await child.rss()]);
        const before = await child.collected();
        size = megabytes * MB;
        const rss: number[] = [];
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            rss.push(await child.rss());
            await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
          }
        })();
        const started = performance.now();
        const outcome = await relayOnce(child.url);
        const seconds = (performance.now() - started) / 1000;
        sampling = false;
        await sampler;
        const after = await child.collected();
        const peak = Math.max(baseline, ...rss);
        return {
          megabytes: round(outcome.bytes / MB, 1),
          seconds: round(seconds, 3),
          mbPerSecond: round(outcome.bytes / MB / seconds, 1),
          baselineRssMb: round(baseline / MB, 1),
          peakRssMb: round(peak / MB, 1),
          growthMb: round((peak - baseline) / MB, 1),
          retainedMb: round((after - before) / MB, 1),
          samples: rss.length,
          complete: outcome.complete && outcome.bytes >= size,
        };
      } finally {
        await child.stop();
      }
    };

    // Deployed and uncapped runs alternate, so drift on the machine hits both alike.
    const deployed: ThroughputRun[] = [];
    const uncapped: ThroughputRun[] = [];
    for (let r = 0; r < runs; r++) {
      for (const [list, nodeOptions, label] of [
        [deployed, PROXY_NODE_OPTIONS, "as deployed"],
        [uncapped, UNCAPPED_NODE_OPTIONS, `without ${YOUNG_GENERATION_CAP}`],
      ] as const) {
        const run = await relayRun(nodeOptions);
        list.push(run);
        log(
          `throughput (${label}): run ${r + 1}/${runs}: ${run.mbPerSecond} MB/s, RSS +${run.growthMb} MB (${run.baselineRssMb} → ${run.peakRssMb} MB)`,
        );
      }
    }
    const summary = (list: ThroughputRun[]) => ({
      medianMbPerSecond: round(median(list.map((r) => r.mbPerSecond)), 1),
      medianGrowthMb: round(median(list.map((r) => r.growthMb)), 1),
      maxGrowthMb: Math.max(...list.map((r) => r.growthMb)),
      maxRetainedMb: Math.max(...list.map((r) => r.retainedMb)),
    });
    const main = summary(deployed);
    return {
      megabytes,
      nodeOptions: PROXY_NODE_OPTIONS,
      runs: deployed,
      ...main,
      errors: [...deployed, ...uncapped].filter((r) => !r.complete).length,
      uncapped: { nodeOptions: UNCAPPED_NODE_OPTIONS, runs: uncapped, ...summary(uncapped) },
      // Judged on the worst run: flat memory has to hold every time.
      target: { maxGrowthMb: TARGET_GROWTH_MB, met: main.maxGrowthMb < TARGET_GROWTH_MB },
    };
  } finally {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RelayChild {
  url: string;
  rss(): Promise<number>;
  /** Heap used + external memory after a full GC. */
  collected(): Promise<number>;
  stop(): Promise<void>;
}

async function startRelayChild(
  childFile: string,
  bundleFile: string,
  agentcoreUrl: string,
  nodeOptions: string,
): Promise<RelayChild> {
  const child: ChildProcess = fork(childFile, [bundleFile], {
    execPath: process.execPath,
    // Not this process's tsx flags: the child is plain JavaScript. --expose-gc only adds the
    // global gc(), used between runs, never during one.
    execArgv: ["--expose-gc"],
    env: lambdaEnv(bundleFile, {
      NODE_OPTIONS: nodeOptions,
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: agentcoreUrl,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    }),
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url: string }) => resolve(m.url));
    child.once("exit", (code) => reject(new Error(`relay-child exited with ${code}`)));
  });
  const procStatus = `/proc/${child.pid}/status`;
  const fromProc = (): number | undefined => {
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(procStatus, "utf8"))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  };
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      child.once("message", (m: T) => resolve(m));
      child.send({ type });
    });
  const fromIpc = async () => (await ask<{ rss: number }>("rss")).rss;
  return {
    url,
    rss: async () => fromProc() ?? (await fromIpc()),
    collected: async () => {
      const m = await ask<{ heapUsed: number; external: number }>("gc");
      return m.heapUsed + m.external;
    },
    stop: async () => {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** POSTs /invoke to the relay and reads the answer to its end, keeping only its last bytes. */
function relayOnce(url: string): Promise<{ bytes: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ prompt: "throughput" });
    const req = request(`${url}/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let bytes = 0;
      let tail = "";
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        tail = (tail + chunk.subarray(-256).toString("latin1")).slice(-256);
      });
      res.on("end", () =>
        resolve({ bytes, complete: res.statusCode === 200 && res.complete && tail.endsWith(DONE) }),
      );
      res.on("error", reject);
    });
    req.end(body);
  });
}
