import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildHandler } from "../handler/build";
import { PROXY_NODE_OPTIONS } from "../handler/node-options";
import { lambdaEnv } from "./lambda-env";
import { scriptBundle } from "./script-bundle";
import { interleave, round, rounded, summarize, type Summary } from "./stats";

/**
 * Item 3: the proxy bundle's size and module initialisation time, beside
 * - the floor: a bundle, built with the same esbuild options, of a one-line handler that only
 *   imports the AgentCore client and constructs it (no proxy can initialise faster than the SDK
 *   client it needs), and
 * - a naive baseline: the same handler bundled as a default setup does it (`bundle`, `platform`,
 *   `format`, `target` and nothing else: no minification, no source map).
 *
 * Each sample is one fresh `node` process (process.execPath) with the function's environment, as
 * the Pulumi component sets it (its NODE_OPTIONS included), timing `require` of the bundle with
 * performance.now(). Variants are interleaved and their order rotated each round, so machine drift
 * hits every variant alike; one discarded round first warms the page cache.
 */

export interface ColdStartOptions {
  /** Samples per variant (default 21). */
  runs?: number;
  log?: (line: string) => void;
}

/**
 * `proxyNodeSourceMaps` is a diagnostic: the same proxy bundle with Node's own
 * `--enable-source-maps` added to its NODE_OPTIONS (as the function ran before it mapped its
 * stack traces itself), to show what that flag costs at init.
 */
export type Variant = "floor" | "proxy" | "naive" | "proxyNodeSourceMaps";
const VARIANTS: Variant[] = ["floor", "proxy", "naive", "proxyNodeSourceMaps"];

export interface VariantResult {
  file: string;
  bytes: number;
  minified: boolean;
  sourceMap: boolean;
  nodeOptions: string;
  initMs: Summary;
}

export interface ColdStartResult {
  runs: number;
  nodeOptions: string;
  variants: Record<Variant, VariantResult>;
  /** Median init time over the floor's median. */
  ratioToFloor: Record<Exclude<Variant, "floor">, number>;
  /** Bundle size over the floor's. */
  sizeRatioToFloor: { proxy: number; naive: number };
  /** Where the proxy bundle's bytes come from: the largest packages, from esbuild's metafile. */
  proxyComposition: { name: string; bytes: number }[];
  /** What the proxy bundles beyond the floor: bytes per package, largest first. */
  proxyBeyondFloor: { name: string; bytes: number }[];
  target: { maxRatioToFloor: number; met: boolean };
}

export const TARGET_INIT_RATIO = 1.05;
const NODE_OPTIONS = PROXY_NODE_OPTIONS;
/** The diagnostic variant's: the function's own, with Node's source maps. */
const NODE_OPTIONS_NODE_SOURCE_MAPS = `--enable-source-maps ${PROXY_NODE_OPTIONS}`;

/** The floor's whole handler: the client the proxy cannot do without, and nothing else. */
const FLOOR_SOURCE = `import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from "@aws-sdk/client-bedrock-agentcore";
const client = new BedrockAgentCoreClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 5000 } });
export const handler = awslambda.streamifyResponse(async (event, stream) => {
  await client.send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: process.env.AGENT_RUNTIME_ARN, payload: event.body }));
  stream.end();
});
`;

export async function measureColdStart(options: ColdStartOptions = {}): Promise<ColdStartResult> {
  const runs = options.runs ?? 21;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentcore-stream-bench-cold-"));
  try {
    const { files, proxyPackages, floorPackages } = buildVariants(dir);
    const child = scriptBundle(path.join(__dirname, "init-child.ts"), path.join(dir, "init-child"));
    const samples: Record<Variant, number[]> = {
      floor: [],
      proxy: [],
      naive: [],
      proxyNodeSourceMaps: [],
    };
    const order = interleave(VARIANTS, runs + 1);
    for (let i = 0; i < order.length; i++) {
      const variant = order[i];
      const ms = await initOnce(child, files[variant].file, files[variant].nodeOptions);
      // The first round only warms the page cache and the disk.
      if (i >= VARIANTS.length) samples[variant].push(ms);
      if (i % 20 === 19) log(`cold start: ${i + 1}/${order.length} processes`);
    }
    const variants = Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        { ...files[v], file: path.basename(files[v].file), initMs: rounded(summarize(samples[v])) },
      ]),
    ) as Record<Variant, VariantResult>;
    const floor = summarize(samples.floor).median;
    const ratio = (v: Variant) => round(summarize(samples[v]).median / floor, 3);
    return {
      runs,
      nodeOptions: NODE_OPTIONS,
      variants,
      ratioToFloor: {
        proxy: ratio("proxy"),
        naive: ratio("naive"),
        proxyNodeSourceMaps: ratio("proxyNodeSourceMaps"),
      },
      sizeRatioToFloor: {
        proxy: round(files.proxy.bytes / files.floor.bytes, 3),
        naive: round(files.naive.bytes / files.floor.bytes, 3),
      },
      proxyComposition: proxyPackages.slice(0, 6),
      proxyBeyondFloor: beyond(proxyPackages, floorPackages).slice(0, 6),
      target: {
        maxRatioToFloor: TARGET_INIT_RATIO,
        met: ratio("proxy") <= TARGET_INIT_RATIO,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Built = Omit<VariantResult, "initMs">;

function buildVariants(dir: string): {
  files: Record<Variant, Built>;
  proxyPackages: { name: string; bytes: number }[];
  floorPackages: { name: string; bytes: number }[];
} {
  const proxy = buildHandler({ outdir: path.join(dir, "proxy") });
  const naive = buildHandler({
    outdir: path.join(dir, "naive"),
    minify: false,
    sourcemap: false,
    mainFields: ["main", "module"],
  });
  const floorEntry = path.join(dir, "floor-src", "floor.ts");
  mkdirSync(path.dirname(floorEntry), { recursive: true });
  writeFileSync(floorEntry, FLOOR_SOURCE);
  // Through the proxy's own build, so the difference is the proxy's own code.
  const floor = buildHandler({ outdir: path.join(dir, "floor"), entryPoint: floorEntry });
  const proxyBuilt = {
    file: path.join(proxy.dir, proxy.entry),
    bytes: proxy.bytes,
    minified: true,
    sourceMap: true,
    nodeOptions: NODE_OPTIONS,
  };
  const files = {
    floor: {
      file: path.join(floor.dir, floor.entry),
      bytes: floor.bytes,
      minified: true,
      sourceMap: true,
      nodeOptions: NODE_OPTIONS,
    },
    proxy: proxyBuilt,
    naive: {
      file: path.join(naive.dir, naive.entry),
      bytes: naive.bytes,
      minified: false,
      sourceMap: false,
      nodeOptions: NODE_OPTIONS,
    },
    proxyNodeSourceMaps: { ...proxyBuilt, nodeOptions: NODE_OPTIONS_NODE_SOURCE_MAPS },
  };
  return { files, proxyPackages: proxy.packages, floorPackages: floor.packages };
}

/** The packages `a` holds more of than `b`, by how much, largest first. */
function beyond(
  a: { name: string; bytes: number }[],
  b: { name: string; bytes: number }[],
): { name: string; bytes: number }[] {
  const inB = new Map(b.map((p) => [p.name, p.bytes]));
  return a
    .map((p) => ({ name: p.name, bytes: p.bytes - (inB.get(p.name) ?? 0) }))
    .filter((p) => p.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes);
}

function initOnce(child: string, bundleFile: string, nodeOptions: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [child, bundleFile],
      { env: lambdaEnv(bundleFile, { NODE_OPTIONS: nodeOptions }), cwd: path.dirname(bundleFile) },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`init of ${bundleFile} failed: ${stderr || error}`));
        const line = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as {
          ms?: number;
          exports?: string[];
        };
        if (typeof line.ms !== "number" || !line.exports?.includes("handler")) {
          return reject(new Error(`init of ${bundleFile} printed ${stdout}`));
        }
        resolve(line.ms);
      },
    );
  });
}
