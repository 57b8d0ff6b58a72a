import { mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as prettier from "prettier";
import { measureCancel } from "./cancel";
import { measureAgentStart } from "./agent-start";
import { measureColdStart } from "./cold-start";
import { measureConcurrency } from "./concurrency";
import { measureProgram } from "./program";
import { measureRelayOverhead } from "./relay-overhead";
import { renderMarkdown, updateReadme, type BenchResults, type Machine } from "./report";
import { measureThroughput } from "./throughput";
import type { LambdaHostChoice } from "../local/dev-stack";
import { PACED_STREAM } from "./chain";

/**
 * `npm run bench`: every measurement in one run on one machine, then bench/results.json (raw
 * summaries, targets and whether they were met), bench/results.md (the table) and the README's
 * Performance block between its markers.
 *
 *   npm run bench                       full sizes (a few minutes)
 *   npm run bench -- --quick            small sizes, for development (results not representative)
 *   npm run bench -- --only=agent,cold,program
 *   npm run bench -- --out=DIR          write results there instead of bench/
 *   npm run bench -- --no-readme        leave README.md alone
 *   npm run bench -- --lambda-host=in-process   the dev stack's host for 1, 4 and 6 (default: its own)
 *
 * BENCH_QUICK=1 is the same as --quick. A quick run never touches the README.
 */

const HOSTS: LambdaHostChoice[] = ["auto", "ric", "in-process"];

export type Measurement =
  "agent" | "relay" | "throughput" | "cold" | "concurrency" | "program" | "cancel";
export const MEASUREMENTS: Measurement[] = [
  "agent",
  "cold",
  "relay",
  "throughput",
  "concurrency",
  "program",
  "cancel",
];

export interface BenchOptions {
  quick?: boolean;
  only?: Measurement[];
  /** Passed to startDevStack for measurements 1 and 4; default: the dev stack's default. */
  lambdaHost?: LambdaHostChoice;
  log?: (line: string) => void;
}

/** Sizes per mode: full ones are the issue's; quick ones only check that everything runs. */
function sizes(quick: boolean) {
  // One paced stream for items 1 and 4: "the same paced agent stream" by construction.
  const stream = quick ? { events: 10, paceMs: 2 } : PACED_STREAM;
  return quick
    ? {
        relay: { requests: 6, warmup: 1, ...stream },
        throughput: { megabytes: 4, runs: 1, warmupMegabytes: 1 },
        cold: { runs: 2 },
        agent: { runs: 1 },
        concurrency: { streams: 8, rounds: 1, ...stream },
        program: { runs: 1 },
        cancel: { rounds: 2 },
      }
    : {
        relay: { requests: 100, warmup: 10, ...stream },
        throughput: { megabytes: 200, runs: 3, warmupMegabytes: 16 },
        cold: { runs: 21 },
        agent: { runs: 15 },
        concurrency: { streams: 50, rounds: 5, ...stream },
        program: { runs: 5 },
        cancel: { rounds: 30 },
      };
}

export function machine(): Machine {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  const quick = options.quick ?? false;
  const only = new Set(options.only ?? MEASUREMENTS);
  const log = options.log ?? (() => undefined);
  const s = sizes(quick);
  const started = performance.now();
  const results: BenchResults = {
    timestamp: new Date().toISOString(),
    quick,
    wallSeconds: 0,
    machine: machine(),
  };
  // Start-up first, while nothing else of the benchmark is running.
  if (only.has("agent")) {
    results.agentStart = await measureAgentStart({ ...s.agent, log });
  }
  if (only.has("cold")) {
    log("cold start: building the floor, the proxy and the naive bundle");
    results.coldStart = await measureColdStart({ ...s.cold, log });
  }
  if (only.has("relay")) {
    log("relay overhead: starting the dev stack and the synthetic agent");
    results.relayOverhead = await measureRelayOverhead({
      ...s.relay,
      lambdaHost: options.lambdaHost,
      log,
    });
  }
  if (only.has("throughput")) {
    log(`throughput: ${s.throughput.megabytes} MB × ${s.throughput.runs}`);
    results.throughput = await measureThroughput({ ...s.throughput, log });
  }
  if (only.has("concurrency")) {
    log(`concurrency: ${s.concurrency.streams} simultaneous streams`);
    results.concurrency = await measureConcurrency({
      ...s.concurrency,
      lambdaHost: options.lambdaHost,
      log,
    });
  }
  if (only.has("program")) {
    log("program: running index.ts under mocks");
    results.program = await measureProgram({ ...s.program, log });
  }
  if (only.has("cancel")) {
    log(`cancel: ${s.cancel.rounds} answers stopped through the chain`);
    results.cancel = await measureCancel({ ...s.cancel, lambdaHost: options.lambdaHost, log });
  }
  results.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  return results;
}

/** The table as prettier formats Markdown, so `npm run format:check` passes on the README. */
export async function formattedMarkdown(results: BenchResults, filepath: string): Promise<string> {
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(renderMarkdown(results), { ...config, filepath });
}

function parseArgs(argv: string[]): { options: BenchOptions; out: string; readme: boolean } {
  const options: BenchOptions = { quick: process.env.BENCH_QUICK === "1" };
  let out = __dirname;
  let readme = true;
  for (const arg of argv) {
    if (arg === "--quick") options.quick = true;
    else if (arg === "--no-readme") readme = false;
    else if (arg.startsWith("--out=")) out = path.resolve(arg.slice(6));
    else if (arg.startsWith("--lambda-host=")) {
      const host = arg.slice(14) as LambdaHostChoice;
      if (!HOSTS.includes(host)) throw new Error(`--lambda-host: use ${HOSTS.join(", ")}`);
      options.lambdaHost = host;
    } else if (arg.startsWith("--only=")) {
      const names = arg.slice(7).split(",") as Measurement[];
      const unknown = names.filter((n) => !MEASUREMENTS.includes(n));
      if (unknown.length > 0)
        throw new Error(`--only: unknown ${unknown.join(", ")}; use ${MEASUREMENTS.join(", ")}`);
      options.only = names;
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { options, out, readme: readme && options.quick !== true };
}

async function main(): Promise<void> {
  const { options, out, readme } = parseArgs(process.argv.slice(2));
  const results = await runBench({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  mkdirSync(out, { recursive: true });
  const jsonPath = path.join(out, "results.json");
  const mdPath = path.join(out, "results.md");
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = await formattedMarkdown(results, mdPath);
  writeFileSync(mdPath, markdown);
  process.stderr.write(
    `wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), mdPath)}\n`,
  );
  if (readme && options.only === undefined) {
    const readmePath = path.resolve(__dirname, "..", "README.md");
    const ok = updateReadme(readmePath, markdown);
    process.stderr.write(
      ok
        ? "updated the Performance block of README.md\n"
        : "README.md has no single <!-- bench:start --> … <!-- bench:end --> block: left alone\n",
    );
  }
  process.stdout.write(markdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}
