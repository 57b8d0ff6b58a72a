import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, get } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { agentEnv } from "../agent/test/support/agent-env";
import { BedrockStandin, textAnswer } from "../agent/test/support/bedrock-standin";
import { ENTRY, NODE_FLAGS } from "../agent/src/boot/files";
import { freePort } from "../local/dev-stack";
import { streamRequest } from "./sse-client";
import { interleave, round, rounded, summarize, type Summary } from "./stats";

/**
 * Item 7: how soon a new conversation can start. AgentCore gives every session its own microVM,
 * so each new conversation waits for the agent process to start. Each sample is a fresh process,
 * started as the image starts it (the image's entry file, this Node.js 24), timed from spawn:
 * - bare: `node -e 0` to its exit, the floor any Node.js process pays;
 * - ping: the agent until `GET /ping` answers 200 (polled every millisecond);
 * - first byte: the agent until the first byte of its first answer, asked as soon as /ping
 *   answered, the model stand-in answering at once.
 * The image's files are built and their code cache written as the Dockerfile does (`node
 * build.ts`, then `node <NODE_FLAGS> main.cjs --write-code-cache`). Diagnostic variants, timed to
 * /ping, show what each step of the start-up work gave, from the bundle the image ran before
 * (`before`: one unminified ES module) to the image; the last step, a cache written after a first
 * answer, shows in the first byte (`flags`: the image with its cache written at /ping). A
 * counterfactual (`bareServer`), built and cached like the image, serves the same agent without
 * bedrock-agentcore's runtime server, to show what that server costs at start. All variants are
 * interleaved, the order rotating each round, after one discarded round.
 */

export interface AgentStartOptions {
  /** Samples per variant (default 15). */
  runs?: number;
  log?: (line: string) => void;
}

/** What starts, in the order of the steps from the `before` bundle to the image. */
export type AgentVariant =
  | "before"
  | "withMcp"
  | "bundle"
  | "nodeCompileCache"
  | "codeCache"
  | "flags"
  | "image"
  | "bundleWithNodeSourceMaps"
  | "bareServer";

/** The steps from the bundle the image ran before to the image, in order. */
export const AGENT_STEPS: AgentVariant[] = [
  "before",
  "withMcp",
  "bundle",
  "nodeCompileCache",
  "codeCache",
  "flags",
  "image",
];

export const AGENT_VARIANTS: Record<AgentVariant, string> = {
  before: "before: one ES module, unminified, the AWS SDK's CommonJS builds",
  withMcp: "one CommonJS file, minified, the AWS SDK's ES module builds",
  bundle: "the same without the MCP SDK (the bundle the image holds)",
  nodeCompileCache: "that bundle with Node's compile cache, warmed (NODE_COMPILE_CACHE)",
  codeCache: "the image's entry: it runs that bundle from a code cache written once /ping answered",
  flags: `the same with the image's node flags (${NODE_FLAGS.join(" ")}): a young generation sized for the start`,
  image:
    "the image: the same with the code cache written after a first answer, to a model in the cache step's own process",
  bundleWithNodeSourceMaps: "diagnostic: the bundle under Node's --enable-source-maps",
  bareServer:
    "counterfactual, not shipped: the image with the agent served by a bare node:http server instead of bedrock-agentcore's runtime server (agent/bench/bare-server.ts)",
};

export interface ImageFile {
  name: string;
  bytes: number;
  /** Gzipped, as an image layer stores it. */
  gzipBytes: number;
}

export interface AgentStartResult {
  runs: number;
  /** `node -e 0`, spawn to exit. */
  bareMs: Summary;
  /** Spawn to /ping 200, per variant. */
  pingMs: Record<AgentVariant, Summary>;
  /** Spawn to the first byte of the first answer (`flags`: the image, its cache written at /ping). */
  firstByteMs: Record<FirstByteVariant, Summary>;
  /** Medians over the bare start's median. */
  pingRatio: Record<AgentVariant, number>;
  firstByteRatio: Record<FirstByteVariant, number>;
  /** What the runtime stage copies from the build, and the cache the image build writes. */
  imageFiles: ImageFile[];
  entryFile: ImageFile;
  bundleFile: ImageFile;
  target: {
    maxPingRatio: number;
    pingMet: boolean;
    /** The first byte cut in proportion: its ratio ≤ maxPingRatio × before's first byte ÷ before's /ping. */
    maxFirstByteRatio: number;
    firstByteMet: boolean;
  };
}

export const TARGET_START_RATIO = 3;

const AGENT_DIR = path.resolve(__dirname, "..", "agent");

/** The variants also timed to the first byte of their first answer. */
export const FIRST_BYTE_VARIANTS = ["image", "flags", "before", "bareServer"] as const;
export type FirstByteVariant = (typeof FIRST_BYTE_VARIANTS)[number];

type Sample =
  | { kind: "bare" }
  | { kind: "ping"; variant: AgentVariant }
  | { kind: "firstByte"; variant: FirstByteVariant };

export async function measureAgentStart(
  options: AgentStartOptions = {},
): Promise<AgentStartResult> {
  const runs = options.runs ?? 15;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentcore-stream-bench-agent-"));
  const standin = await BedrockStandin.start();
  standin.respondWith(() => textAnswer("Hello."));
  try {
    log("agent start: building the image's files and writing their code cache");
    const built = await buildVariants(dir);
    const samples: Sample[] = [
      { kind: "bare" },
      ...(Object.keys(AGENT_VARIANTS) as AgentVariant[]).map((variant): Sample => ({
        kind: "ping",
        variant,
      })),
      ...FIRST_BYTE_VARIANTS.map((variant): Sample => ({ kind: "firstByte", variant })),
    ];
    const times = new Map<Sample, number[]>(samples.map((s) => [s, []]));
    const order = interleave(samples, runs + 1);
    for (let i = 0; i < order.length; i++) {
      const sample = order[i];
      const env = agentEnv(standin.endpoint, { PORT: String(await freePort()) });
      const ms =
        sample.kind === "bare"
          ? await bareStart()
          : sample.kind === "ping"
            ? await startToPing(built[sample.variant], env)
            : await startToFirstByte(built[sample.variant], env);
      // The first round only warms the page cache.
      if (i >= samples.length) times.get(sample)!.push(ms);
      if (i % 20 === 19) log(`agent start: ${i + 1}/${order.length} processes`);
    }
    const summary = (s: Sample) => summarize(times.get(s)!);
    const bare = summary(samples[0]);
    const ratio = (s: Summary) => round(s.median / bare.median, 2);
    const ping = Object.fromEntries(
      samples.flatMap((s) => (s.kind === "ping" ? [[s.variant, summary(s)]] : [])),
    ) as Record<AgentVariant, Summary>;
    const firstByte = Object.fromEntries(
      samples.flatMap((s) => (s.kind === "firstByte" ? [[s.variant, summary(s)]] : [])),
    ) as Record<FirstByteVariant, Summary>;
    const firstByteRatio = Object.fromEntries(
      FIRST_BYTE_VARIANTS.map((v) => [v, ratio(firstByte[v])]),
    ) as Record<FirstByteVariant, number>;
    const maxFirstByteRatio = round(
      TARGET_START_RATIO * (firstByte.before.median / ping.before.median),
      2,
    );
    const imageDir = path.dirname(built.image.file);
    const imageFiles = readdirSync(imageDir)
      .map((name) => {
        const bytes = readFileSync(path.join(imageDir, name));
        return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const file = (name: string) => imageFiles.find((f) => f.name === name)!;
    return {
      runs,
      bareMs: rounded(bare, 1),
      pingMs: Object.fromEntries(
        Object.entries(ping).map(([v, s]) => [v, rounded(s, 1)]),
      ) as Record<AgentVariant, Summary>,
      firstByteMs: Object.fromEntries(
        FIRST_BYTE_VARIANTS.map((v) => [v, rounded(firstByte[v], 1)]),
      ) as Record<FirstByteVariant, Summary>,
      pingRatio: Object.fromEntries(Object.entries(ping).map(([v, s]) => [v, ratio(s)])) as Record<
        AgentVariant,
        number
      >,
      firstByteRatio,
      imageFiles,
      entryFile: file(path.basename(built.image.file)),
      bundleFile: file("agent.cjs"),
      target: {
        maxPingRatio: TARGET_START_RATIO,
        pingMet: ratio(ping.image) <= TARGET_START_RATIO,
        maxFirstByteRatio,
        firstByteMet: firstByteRatio.image <= maxFirstByteRatio,
      },
    };
  } finally {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Launch {
  /** The file `node` runs. */
  file: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

/** The image's files (as the Dockerfile builds them) and the diagnostic variants beside them. */
async function buildVariants(dir: string): Promise<Record<AgentVariant, Launch>> {
  const image = path.join(dir, "image");
  const atPing = path.join(dir, "cache-at-ping");
  const before = path.join(dir, "before");
  const withMcp = path.join(dir, "with-mcp");
  const uncached = path.join(dir, "uncached");
  const compileCache = path.join(dir, "node-compile-cache");
  const bareServer = path.join(dir, "bare-server");
  await runNode(["build.ts", image], AGENT_DIR, process.env);
  await runNode(["build.ts", bareServer, "--profile=bare-server"], AGENT_DIR, process.env);
  await runNode(["build.ts", before, "--profile=unoptimized"], AGENT_DIR, process.env);
  await runNode(["build.ts", withMcp, "--profile=with-mcp"], AGENT_DIR, process.env);
  // The bundle on its own, before any cache exists: Node's loader runs it directly.
  cpSync(image, uncached, { recursive: true });
  cpSync(image, atPing, { recursive: true });
  // With the measured runs' environment: V8 takes the cache only under the same flags. The cache
  // step runs its own model, whatever the environment names.
  for (const [folder, step] of [
    [image, "--write-code-cache"],
    [atPing, "--write-code-cache=ping"],
    [bareServer, "--write-code-cache"],
  ] as const) {
    await runNode([...NODE_FLAGS, ENTRY, step], folder, await unusedModelEnv());
  }
  const bundle = path.join(uncached, "agent.cjs");
  const withCompileCache = {
    file: bundle,
    nodeArgs: [],
    env: { NODE_COMPILE_CACHE: compileCache },
  };
  // Node's compile cache fills as the bundle loads and is written when the process ends.
  await startToPing(withCompileCache, await unusedModelEnv());
  const imageLaunch = entryLaunch(image);
  const atPingLaunch = entryLaunch(atPing);
  const bareServerLaunch = entryLaunch(bareServer);
  // A refused cache would make the image's rows measure a start without it.
  for (const cached of [imageLaunch, atPingLaunch, bareServerLaunch]) {
    const check = launch(cached, await unusedModelEnv());
    await untilPing(check);
    await check.stop();
    if (/rejected the code cache/.test(check.stderr())) {
      throw new Error(`the code cache of ${cached.file} was refused:\n${check.stderr()}`);
    }
  }
  return {
    before: { file: path.join(before, "agent.mjs"), nodeArgs: [], env: {} },
    withMcp: { file: path.join(withMcp, "agent.cjs"), nodeArgs: [], env: {} },
    bundle: { file: bundle, nodeArgs: [], env: {} },
    nodeCompileCache: withCompileCache,
    codeCache: { ...atPingLaunch, nodeArgs: [] },
    flags: atPingLaunch,
    image: imageLaunch,
    bundleWithNodeSourceMaps: { file: bundle, nodeArgs: ["--enable-source-maps"], env: {} },
    bareServer: bareServerLaunch,
  };
}

/** The image's way of starting what `build.ts` wrote in `folder`: its entry, with its node flags. */
function entryLaunch(folder: string): Launch {
  return { file: path.join(folder, ENTRY), nodeArgs: [...NODE_FLAGS], env: {} };
}

/**
 * The agent's environment where no model is asked: the cache steps (which run their own model) and
 * the starts that only need /ping. Nothing listens on port 9.
 */
async function unusedModelEnv(): Promise<Record<string, string>> {
  return agentEnv("http://127.0.0.1:9", { PORT: String(await freePort()) });
}

/**
 * Runs `node` with `args` in `cwd` without blocking this process, whose model stand-in a child
 * may be talking to.
 */
async function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`node ${args.join(" ")} failed in ${cwd}:\n${output}`);
}

function bareStart(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`node -e 0 exited with ${code}`)),
    );
  });
}

interface Started {
  started: number;
  port: string;
  /** Rejects if the process exits before it is stopped. */
  failed: Promise<never>;
  /** The last 2000 characters the process wrote to stderr. */
  stderr(): string;
  stop(): Promise<void>;
}

function launch(agent: Launch, env: Record<string, string>): Started {
  const started = performance.now();
  const child = spawn(process.execPath, [...agent.nodeArgs, agent.file], {
    cwd: path.dirname(agent.file),
    env: { ...env, ...agent.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failed = exited.then(() => {
    throw new Error(`${agent.file} exited${stopping ? "" : " before it was stopped"}:\n${stderr}`);
  });
  failed.catch(() => undefined);
  return {
    started,
    port: env.PORT,
    failed,
    stderr: () => stderr,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resolves with the status of one GET /ping, 0 when nothing answers yet. */
function pingOnce(port: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/ping", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", () => resolve(0));
  });
}

async function untilPing(agent: Started): Promise<void> {
  const deadline = agent.started + 60_000;
  while ((await Promise.race([pingOnce(agent.port), agent.failed])) !== 200) {
    if (performance.now() > deadline) throw new Error("the agent did not answer /ping in 60 s");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function startToPing(agent: Launch, env: Record<string, string>): Promise<number> {
  const started = launch(agent, env);
  try {
    await untilPing(started);
    return performance.now() - started.started;
  } finally {
    await started.stop();
  }
}

async function startToFirstByte(agent: Launch, env: Record<string, string>): Promise<number> {
  const started = launch(agent, env);
  const connection = new Agent({ keepAlive: false });
  try {
    await untilPing(started);
    const asked = performance.now();
    const outcome = await streamRequest({
      url: `http://127.0.0.1:${started.port}/invocations`,
      agent: connection,
      body: JSON.stringify({ prompt: "Hello" }),
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "x-amzn-bedrock-agentcore-runtime-session-id": `bench-${randomUUID()}`,
      },
    });
    if (outcome.error !== undefined || outcome.status !== 200 || !outcome.done) {
      throw new Error(`the first answer failed: ${outcome.error ?? `status ${outcome.status}`}`);
    }
    return asked + outcome.ttfbMs - started.started;
  } finally {
    connection.destroy();
    await started.stop();
  }
}
