import { readFileSync, writeFileSync } from "node:fs";
import { NODE_FLAGS } from "../agent/src/boot/files";
import { AGENT_STEPS, AGENT_VARIANTS, type AgentStartResult } from "./agent-start";
import type { CancelResult } from "./cancel";
import type { ColdStartResult } from "./cold-start";
import type { ConcurrencyResult } from "./concurrency";
import type { ProgramResult } from "./program";
import { TARGET_ADDED_MS, type RelayOverheadResult } from "./relay-overhead";
import type { Summary } from "./stats";
import { TARGET_GROWTH_MB, type ThroughputResult } from "./throughput";

/**
 * Turns bench results into the Markdown the README's Performance section shows: one table, its
 * footnotes, and one sentence per target saying whether this run met it (and, when not, why and
 * what would close it: the reasons are what this benchmark's diagnostics showed, see the notes).
 */

export interface Machine {
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGb: number;
}

export interface BenchResults {
  timestamp: string;
  quick: boolean;
  wallSeconds: number;
  machine: Machine;
  relayOverhead?: RelayOverheadResult;
  throughput?: ThroughputResult;
  coldStart?: ColdStartResult;
  agentStart?: AgentStartResult;
  concurrency?: ConcurrencyResult;
  program?: ProgramResult;
  cancel?: CancelResult;
}

export const README_START = "<!-- bench:start -->";
export const README_END = "<!-- bench:end -->";

const ms = (v: number, d = 2) => `${v.toFixed(d)} ms`;
const iqr = (s: Summary, d = 2) =>
  `${ms(s.median, d)} (IQR ${s.p25.toFixed(d)}–${s.p75.toFixed(d)})`;
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const plus = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)} ms`;
const x = (v: number) => `×${v.toFixed(2)}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const verdict = (met: boolean) => (met ? "**met**" : "**missed**");

export function renderMarkdown(r: BenchResults): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  const targets: string[] = [];
  const ro = r.relayOverhead;
  if (ro !== undefined) {
    rows.push(
      [
        "1",
        "Time to first byte, median (IQR)",
        iqr(ro.direct.ttfbMs),
        iqr(ro.chain.ttfbMs),
        `${plus(ro.added.ttfbMedianMs)} (${x(ro.ratio.ttfbMedian)})`,
        `≤ +${ro.target.maxAddedTtfbMedianMs} ms: ${verdict(ro.target.ttfbMet)}`,
      ],
      [
        "1",
        "Time to first byte, p99",
        ms(ro.direct.ttfbMs.p99),
        ms(ro.chain.ttfbMs.p99),
        plus(ro.added.ttfbP99Ms),
        "",
      ],
      [
        "1",
        "Time to first byte, median: SDK → AgentCore stand-in → agent (diagnostic)",
        iqr(ro.direct.ttfbMs),
        iqr(ro.sdk.ttfbMs),
        `${plus(ro.ttfbSplitMs.sdkAndAgentcoreStandin)}: the signed call and the stand-in's hop`,
        "",
      ],
      [
        "1",
        "Time to first byte, median: proxy bundle alone → AgentCore stand-in → agent (diagnostic)",
        iqr(ro.sdk.ttfbMs),
        iqr(ro.proxy.ttfbMs),
        `${plus(ro.ttfbSplitMs.proxyAndHost)}: the proxy's own code and the ${ro.lambdaHost} host; the API stand-in adds ${plus(ro.ttfbSplitMs.apiGatewayStandin)}`,
        "",
      ],
      [
        "1",
        "Per-event latency, median (IQR)",
        iqr(ro.direct.eventLatencyMs, 3),
        iqr(ro.chain.eventLatencyMs, 3),
        `${plus(ro.added.eventMedianMs)} (${x(ro.ratio.eventMedian)})`,
        "",
      ],
      [
        "1",
        "Per-event latency, p99",
        ms(ro.direct.eventLatencyMs.p99, 3),
        ms(ro.chain.eventLatencyMs.p99, 3),
        `${plus(ro.added.eventP99Ms)} (${x(ro.ratio.eventP99)})`,
        `≤ +${ro.target.maxAddedEventP99Ms} ms: ${verdict(ro.target.eventMet)}`,
      ],
    );
    notes.push(
      `1: ${ro.requestsPerPath} requests per path, one at a time, the four paths in rotating order, after a warm-up; each is a synthetic agent stream of ${ro.events} events ${ro.paceMs} ms apart (${ro.direct.eventLatencyMs.n + ro.chain.eventLatencyMs.n} event samples). Direct: client → agent. Chain: client → API Gateway stand-in → proxy bundle (${ro.lambdaHost} Lambda host) → AgentCore stand-in (SigV4 check) → agent. Added = chain − direct. Two diagnostic paths split the added time by who adds it: the AWS SDK in the benchmark calling the AgentCore stand-in (the signed call and the stand-in's SigV4 check and forwarding hop; compared with direct), and the proxy bundle invoked in the Lambda host without the API stand-in (the proxy's own code and the host; compared with the SDK path; the chain minus it is the API Gateway stand-in). Errors: ${ro.errors}.`,
    );
    targets.push(
      `- Time to first byte: the local chain adds ${plus(ro.added.ttfbMedianMs)} to the median (target ≤ +${ro.target.maxAddedTtfbMedianMs} ms): ${verdict(ro.target.ttfbMet)}.` +
        (ro.target.ttfbMet
          ? ""
          : ` Why: the added time splits three ways (the diagnostic rows): ${plus(ro.ttfbSplitMs.sdkAndAgentcoreStandin)} is the signed InvokeAgentRuntime call and the AgentCore stand-in's SigV4 check and forwarding hop; ${plus(ro.ttfbSplitMs.proxyAndHost)} is the proxy's own code and the ${ro.lambdaHost} Lambda host${ro.lambdaHost === "ric" ? " (the runtime interface client's two loopback exchanges with the Runtime API per invocation included)" : ""}; ${plus(ro.ttfbSplitMs.apiGatewayStandin)} is the API Gateway stand-in and its HTTP hop. Only the middle part is the relay's own work, and it ${ro.ttfbSplitMs.proxyAndHost <= TARGET_ADDED_MS ? "is within" : "exceeds"} the ${TARGET_ADDED_MS} ms on its own; the other two are local stand-ins for AWS services, which in AWS are API Gateway's and AgentCore's own front ends with latency of their own. What would close it: faster local stand-ins (the AgentCore stand-in's forwarding is a whole extra loopback HTTP exchange that AWS does inside its own network) would lower this number without changing the product${ro.ttfbSplitMs.proxyAndHost <= TARGET_ADDED_MS ? "" : "; for the relay's own part, profile the proxy's first-byte path (request parsing, the session HMAC, the SDK's middleware)"}.`),
      `- Per-event latency: the local chain adds ${plus(ro.added.eventP99Ms)} at p99 (target ≤ +${ro.target.maxAddedEventP99Ms} ms): ${verdict(ro.target.eventMet)}.` +
        (ro.target.eventMet
          ? ""
          : ` Why: each event crosses three more loopback hops (AgentCore stand-in, ${ro.lambdaHost} Lambda host, API stand-in), each a socket read and write, and at p99 what shows is a pause in one of those processes (a garbage collection, another job on the machine) rather than the relay's work per event (the medians differ by ${plus(ro.added.eventMedianMs)}). What would close it: a quiet machine with a core per process; within the relay, nothing is queued per event (chunks pass through as they come).`),
    );
  }
  const tp = r.throughput;
  if (tp !== undefined) {
    const worst = tp.runs.reduce((a, b) => (b.growthMb > a.growthMb ? b : a));
    const cap = tp.nodeOptions.replace(tp.uncapped.nodeOptions, "").trim();
    rows.push(
      [
        "2",
        `Relay throughput, ${tp.megabytes} MB of SSE (median of ${tp.runs.length})`,
        "",
        `${tp.medianMbPerSecond.toFixed(0)} MB/s`,
        `runs: ${tp.runs.map((x) => x.mbPerSecond.toFixed(0)).join(", ")} MB/s`,
        "",
      ],
      [
        "2",
        "Resident memory growth during the relay (worst run)",
        "",
        `+${worst.growthMb.toFixed(1)} MB (${worst.baselineRssMb.toFixed(0)} → ${worst.peakRssMb.toFixed(0)} MB)`,
        `retained after a full GC: +${tp.maxRetainedMb.toFixed(1)} MB`,
        `< ${tp.target.maxGrowthMb} MB: ${verdict(tp.target.met)}`,
      ],
      [
        "2",
        `Same relays without ${cap} (diagnostic): growth (worst) / throughput`,
        "",
        `+${tp.uncapped.maxGrowthMb.toFixed(1)} MB / ${tp.uncapped.medianMbPerSecond.toFixed(0)} MB/s`,
        `runs: ${tp.uncapped.runs.map((x) => `+${x.growthMb.toFixed(1)} MB`).join(", ")}`,
        "",
      ],
    );
    notes.push(
      `2: the proxy bundle in the Lambda host behind the API Gateway stand-in, in a child process of its own; an AgentCore stand-in writes 1 KiB events in 64 KiB writes as fast as TCP backpressure lets it, the client counts bytes. RSS from /proc every 50 ms; growth = peak − RSS after a 16 MB warm-up relay. "Retained" = heap + external memory after full collections, after minus before the run. Each run in a fresh process with the function's NODE_OPTIONS (${tp.nodeOptions}), alternating with the diagnostic runs. Incomplete relays: ${tp.errors}.`,
    );
    targets.push(
      `- Memory: resident memory grew by at most ${tp.maxGrowthMb.toFixed(1)} MB over ${plural(tp.runs.length, "relay")} of ${tp.megabytes} MB (target < ${tp.target.maxGrowthMb} MB): ${verdict(tp.target.met)}.` +
        (tp.target.met
          ? ""
          : ` Why: after full collections the process holds ${tp.maxRetainedMb.toFixed(1)} MB more than before the relay, so ${tp.maxRetainedMb < TARGET_GROWTH_MB ? "the growth is garbage not yet collected (each relayed chunk is a short-lived Buffer freed at the next scavenge), not buffering. What would close it: a smaller young generation (a lower --max-semi-space-size in handler/node-options.ts) or fewer allocations per chunk" : "the relay keeps bytes it has passed on: look for a missing backpressure wait (a write whose false return is ignored) between the AgentCore response and the response stream"}.`),
    );
  }
  const cs = r.coldStart;
  if (cs !== undefined) {
    const v = cs.variants;
    rows.push(
      [
        "3",
        "Bundle size",
        `floor ${kib(v.floor.bytes)}`,
        kib(v.proxy.bytes),
        `${x(cs.sizeRatioToFloor.proxy)}; naive ${kib(v.naive.bytes)} (${x(cs.sizeRatioToFloor.naive)})`,
        "",
      ],
      [
        "3",
        "Module initialisation, median (IQR)",
        `floor ${iqr(v.floor.initMs, 1)}`,
        iqr(v.proxy.initMs, 1),
        `${x(cs.ratioToFloor.proxy)}; naive ${ms(v.naive.initMs.median, 1)} (${x(cs.ratioToFloor.naive)}); proxy with Node's --enable-source-maps ${ms(v.proxyNodeSourceMaps.initMs.median, 1)} (${x(cs.ratioToFloor.proxyNodeSourceMaps)})`,
        `≤ ×${cs.target.maxRatioToFloor}: ${verdict(cs.target.met)}`,
      ],
    );
    const comp = cs.proxyComposition.map((c) => `${c.name} ${kib(c.bytes)}`).join(", ");
    notes.push(
      `3: ${cs.runs} fresh \`node\` processes per variant, interleaved, each timing \`require\` of the bundle with the function's environment (NODE_OPTIONS=${cs.nodeOptions}, as deployed). Floor: the same esbuild options (minified, linked source map) on a handler that only imports and constructs the AgentCore client. Naive: \`bundle\`, \`platform: node\`, \`format: cjs\`, \`target: node24\` and nothing else (no minification, no source map), what a default esbuild setup gives. Largest parts of the proxy bundle: ${comp}.`,
    );
    targets.push(
      `- Initialisation: the proxy initialises in ${x(cs.ratioToFloor.proxy)} the floor's time (target ≤ ×${cs.target.maxRatioToFloor}): ${verdict(cs.target.met)}.` +
        (cs.target.met
          ? ""
          : ` Why: what the proxy bundles beyond the client, ${kib(v.proxy.bytes - v.floor.bytes)} (${cs.proxyBeyondFloor.map((c) => `${c.name} ${kib(c.bytes)}`).join(", ")}), is parsed at init and its loggers, metrics and request schemas built there: ${ms(v.proxy.initMs.median - v.floor.initMs.median, 1)}. What would close it: less of that code (lighter packages in place of those above); deferring it to the first request would only move the time.`),
    );
  }
  const cc = r.concurrency;
  if (cc !== undefined) {
    rows.push(
      [
        "4",
        `${cc.streams} simultaneous streams: errors`,
        String(cc.direct.errors),
        String(cc.chain.errors),
        `of ${cc.chain.requests}`,
        `0: ${verdict(cc.target.met)}`,
      ],
      [
        "4",
        `${cc.streams} simultaneous streams: time to first byte p50 / p99`,
        `${ms(cc.direct.ttfbMs.median, 1)} / ${ms(cc.direct.ttfbMs.p99, 1)}`,
        `${ms(cc.chain.ttfbMs.median, 1)} / ${ms(cc.chain.ttfbMs.p99, 1)}`,
        `${plus(cc.addedTtfbMs.p50)} / ${plus(cc.addedTtfbMs.p99)}`,
        "",
      ],
    );
    notes.push(
      `4: ${plural(cc.rounds, "burst")} of ${cc.streams} requests sent at once, through the chain and directly (the same synthetic agent stream as 1, so the model is not what is measured). ${cc.lambdaHost === "ric" ? `As in Lambda, each stream has its own execution environment (a runtime-interface-client process, ${cc.streams} started before the bursts), but all of them, the stand-ins and the client share this machine's ${r.machine.cores} cores` : `All ${cc.streams} streams share one proxy and one event loop (in-process host), where in Lambda each would get its own execution environment`}: the added time is this machine serving ${cc.streams} streams at once, an upper bound for the relay.`,
    );
  }
  const pg = r.program;
  if (pg !== undefined) {
    rows.push([
      "5",
      "The program under mocks: wall time, median (IQR) / resources",
      "",
      `${(pg.wallMs.median / 1000).toFixed(2)} s (IQR ${(pg.wallMs.p25 / 1000).toFixed(2)}–${(pg.wallMs.p75 / 1000).toFixed(2)}) / ${pg.resources}`,
      `${pg.customResources} cloud resources, ${pg.componentResources} components`,
      "",
    ]);
    notes.push(
      `5: index.ts under the test suite's Pulumi mocks in a fresh \`node --import tsx\` process (start-up included), ${plural(pg.runs, "run")}.`,
    );
  }
  const cn = r.cancel;
  if (cn !== undefined) {
    rows.push(
      [
        "6",
        "Cancel → the model's stream reset, median / p99",
        "",
        `${ms(cn.modelResetMs.median, 1)} / ${ms(cn.modelResetMs.p99, 1)}`,
        `the cancel's own answer: ${ms(cn.cancelAnswerMs.median, 1)} / ${ms(cn.cancelAnswerMs.p99, 1)}`,
        `p99 ≤ ${cn.target.maxP99Ms} ms: ${verdict(cn.target.met)}`,
      ],
      [
        "6",
        "Cancel → the end of the answer's Lambda invocation, median / p99",
        "",
        `${ms(cn.invocationEndMs.median, 1)} / ${ms(cn.invocationEndMs.p99, 1)}`,
        "",
        "",
      ],
    );
    notes.push(
      `6: ${plural(cn.rounds, "answer")} (after one not counted), one at a time, through the chain of 1 (${cn.lambdaHost} Lambda host) with the dev stack's agent bundle and a model stand-in that keeps streaming (a token every 5 ms); once the client has 3 tokens it sends \`POST /sessions/{id}/cancel\`. Clocks start as the cancel request is sent and stop when the model stand-in sees its HTTP/2 stream reset, when the Lambda host ends the answer's invocation, and when the cancel's 200 arrives. Failed rounds: ${cn.errors}.`,
    );
    targets.push(
      `- Cancel: the model's stream is reset ${ms(cn.modelResetMs.p99, 1)} and the answer's invocation ends ${ms(cn.invocationEndMs.p99, 1)} after the cancel, at p99 (target ≤ ${cn.target.maxP99Ms} ms each): ${verdict(cn.target.met)}.` +
        (cn.target.met
          ? ""
          : ` Why: ${cn.errors > 0 ? `${plural(cn.errors, "round")} failed (the cancel was not answered with cancelled: true, or the model was not reset); ` : ""}the cancel crosses the same four hops as an answer (API stand-in, a second Lambda execution environment, AgentCore stand-in, agent), and the agent then waits for Strands to unwind the turn. What would close it: profile the agent's cancel path (the wait in SessionPool.cancel, Strands' cleanup).`),
    );
  }
  const as = r.agentStart;
  if (as !== undefined) {
    const bare = `\`node -e 0\` ${iqr(as.bareMs, 1)}`;
    rows.push(
      [
        "7",
        "New conversation: agent start to `/ping` 200, median (IQR)",
        bare,
        iqr(as.pingMs.image, 1),
        `${x(as.pingRatio.image)}; before ${ms(as.pingMs.before.median, 1)} (${x(as.pingRatio.before)})`,
        `≤ ×${as.target.maxPingRatio}: ${verdict(as.target.pingMet)}`,
      ],
      [
        "7",
        "New conversation: agent start to the first answer's first byte, median (IQR)",
        bare,
        iqr(as.firstByteMs.image, 1),
        `${x(as.firstByteRatio.image)}; before ${ms(as.firstByteMs.before.median, 1)} (${x(as.firstByteRatio.before)})`,
        `≤ ×${as.target.maxFirstByteRatio.toFixed(2)}: ${verdict(as.target.firstByteMet)}`,
      ],
      ...AGENT_STEPS.slice(1).map((variant, i) => [
        "7",
        `Start to \`/ping\`, step ${i + 1}: ${AGENT_VARIANTS[variant]}`,
        "",
        iqr(as.pingMs[variant], 1),
        `${x(as.pingRatio[variant])}; ${plus(as.pingMs[variant].median - as.pingMs[AGENT_STEPS[i]!].median)} on the step before`,
        "",
      ]),
      [
        "7",
        `Start to the first byte, step ${AGENT_STEPS.length - 2}: the image with its code cache written at \`/ping\``,
        "",
        iqr(as.firstByteMs.flags, 1),
        `${x(as.firstByteRatio.flags)}; the image's cache, written after a first answer: ${plus(as.firstByteMs.image.median - as.firstByteMs.flags.median)}`,
        "",
      ],
      [
        "7",
        `Start to \`/ping\`, ${AGENT_VARIANTS.bundleWithNodeSourceMaps}`,
        "",
        iqr(as.pingMs.bundleWithNodeSourceMaps, 1),
        `${x(as.pingRatio.bundleWithNodeSourceMaps)}; ${plus(as.pingMs.bundleWithNodeSourceMaps.median - as.pingMs.bundle.median)} on the bundle alone`,
        "",
      ],
      [
        "7",
        `Start to \`/ping\` / to the first byte, ${AGENT_VARIANTS.bareServer}`,
        "",
        `${iqr(as.pingMs.bareServer, 1)} / ${iqr(as.firstByteMs.bareServer, 1)}`,
        `${x(as.pingRatio.bareServer)} / ${x(as.firstByteRatio.bareServer)}; the runtime server's share of the image's start: ${ms(as.pingMs.image.median - as.pingMs.bareServer.median, 1)} / ${ms(as.firstByteMs.image.median - as.firstByteMs.bareServer.median, 1)}`,
        "",
      ],
      [
        "7",
        "The image's files (the build's output and the code cache)",
        "",
        as.imageFiles.map((f) => `${f.name} ${kib(f.bytes)}`).join(", "),
        `entry ${as.entryFile.name} ${kib(as.entryFile.bytes)}; bundle ${kib(as.bundleFile.bytes)}; in all ${mib(sum(as.imageFiles.map((f) => f.bytes)))}, gzipped ${mib(sum(as.imageFiles.map((f) => f.gzipBytes)))}`,
        "",
      ],
    );
    notes.push(
      `7: ${as.runs} fresh processes per variant, interleaved in rotating order after a discarded round, each started as the image starts the agent (its entry file, this Node.js, the image's node flags): spawn to \`node -e 0\`'s exit (bare); spawn to the first 200 from \`GET /ping\`, polled every millisecond; spawn to the first byte of the answer to a \`POST /invocations\` sent as soon as /ping answered, the ConverseStream stand-in answering at once. The image's files are built by \`node build.ts\` and their code cache written by \`node ${NODE_FLAGS.join(" ")} main.cjs --write-code-cache\` (after a first answer from a model in that process), as the Dockerfile does; step 5 writes it with \`--write-code-cache=ping\` as soon as /ping answers; the steps are built by \`node build.ts --profile=unoptimized\` (before) and \`--profile=with-mcp\`, and run by \`node\` directly; the counterfactual by \`--profile=bare-server\`, cached and started as the image is. Ratios are medians over the bare start's median.`,
    );
    targets.push(
      `- Start: the agent answers /ping in ${x(as.pingRatio.image)} the bare Node.js start (target ≤ ×${as.target.maxPingRatio}): ${verdict(as.target.pingMet)}.` +
        (as.target.pingMet
          ? ""
          : ` Why: what is left is the agent's own start-up work beyond Node.js (${ms(as.pingMs.image.median - as.bareMs.median, 1)}): reading the code cache, then evaluating the AWS SDK's Bedrock client, Fastify with the AgentCore runtime, zod and Strands, and listening (agent/README.md, "Start-up"). What would close it: less of that code at start. The counterfactual row serves the same agent with a bare node:http server instead of bedrock-agentcore's runtime server (Fastify with its logger, schema compilers and plugins): it answers /ping in ${x(as.pingRatio.bareServer)}, so that server is ${ms(as.pingMs.image.median - as.pingMs.bareServer.median, 1)} of the start. Replacing it would mean keeping our own implementation of the AgentCore HTTP contract in its place, a decision for the product rather than an optimisation (agent/README.md, "Start-up").`),
      `- First byte: the first answer's first byte arrives ${x(as.firstByteRatio.image)} the bare Node.js start after the agent is started (target ≤ ×${as.target.maxFirstByteRatio.toFixed(2)}, the start's ×${as.target.maxPingRatio} in proportion: before, the first byte came ${x(as.firstByteRatio.before / as.pingRatio.before)} its /ping time): ${verdict(as.target.firstByteMet)}.` +
        (as.target.firstByteMet
          ? ""
          : ` Why: the first byte waits for the start (above) and then for the first answer, ${ms(as.firstByteMs.image.median - as.pingMs.image.median, 1)} here: a new session's Strands agent, the SDK's signed ConverseStream request on a new HTTP/2 connection and the model stand-in's answer, whose code the cache now holds but whose work remains. What would close it: the start's own remedies; the counterfactual without the runtime server has its first byte at ${x(as.firstByteRatio.bareServer)}.`),
    );
  }
  const m = r.machine;
  const header = [
    "| # | measure | direct / floor | through the relay | added / ratio | target |",
    "| - | ------- | -------------- | ----------------- | ------------- | ------ |",
  ];
  return [
    `Measured ${r.timestamp.slice(0, 16).replace("T", " ")} UTC on ${m.cpu} (${m.cores} cores, ${m.memoryGb} GB), Node.js ${m.node}, ${m.platform}${r.quick ? ", **quick mode (small sizes: not representative)**" : ""}; \`npm run bench\` took ${Math.round(r.wallSeconds)} s.`,
    "",
    ...header,
    ...rows.map((row) => `| ${row.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`),
    "",
    ...notes.map((n) => `- ${n}`),
    "",
    "Targets:",
    "",
    ...targets,
    "",
  ].join("\n");
}

/**
 * Replaces what is between the markers in the README with `markdown`. Leaves the file alone
 * (and says so) when the markers are missing, duplicated or out of order, rather than guess.
 */
export function updateReadme(readmePath: string, markdown: string): boolean {
  const text = readFileSync(readmePath, "utf8");
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (
    start === -1 ||
    end === -1 ||
    end < start ||
    text.indexOf(README_START, start + 1) !== -1 ||
    text.indexOf(README_END, end + 1) !== -1
  ) {
    return false;
  }
  const next = `${text.slice(0, start + README_START.length)}\n\n${markdown.trimEnd()}\n\n${text.slice(end)}`;
  if (next !== text) writeFileSync(readmePath, next);
  return true;
}
