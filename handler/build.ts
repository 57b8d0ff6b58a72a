import { buildSync, type Metafile } from "esbuild";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export interface HandlerBundle {
  /** Absolute output folder. */
  dir: string;
  /** The bundle's file name inside `dir`. */
  entry: string;
  /** The Lambda handler string. */
  handler: string;
  /** Every file in `dir` that belongs in the Lambda zip (the bundle and its source map). */
  files: string[];
  /** Size of the entry file in bytes. */
  bytes: number;
  /** The entry file's bytes by npm package, largest first: what the bundle is made of. */
  packages: { name: string; bytes: number }[];
}

export interface BuildHandlerOptions {
  /** Output folder; default `<repo>/dist/handler`. */
  outdir?: string;
  /** Default true; false gives the naive baseline the benchmark compares against. */
  minify?: boolean;
  /** A separate `.map` file, linked from the bundle; default true. */
  sourcemap?: boolean;
  /**
   * Which build of a package to bundle; default the ES module build where a package has one
   * (`["module", "main"]`). The naive baseline passes esbuild's own default for Node.js
   * (`["main", "module"]`).
   */
  mainFields?: string[];
  /**
   * What to bundle; default the proxy (handler/src/index.ts). The benchmark bundles its floor (a
   * handler holding only the AgentCore client) and its child scripts through here, so all get the
   * proxy's options.
   */
  entryPoint?: string;
}

const REPO_ROOT = path.resolve(__dirname, "..");
const ENTRY_POINT = path.join(__dirname, "src", "index.ts");
const ENTRY = "index.js";

/**
 * Bundles the proxy into one file for the `nodejs24.x` runtime. Synchronous on purpose: a Pulumi
 * ComponentResource constructor calls it.
 *
 * Format: CommonJS. The AWS SDK v3 (and the smithy packages under it) call `require("node:…")`
 * at run time; bundled as ESM, esbuild turns those into a `__require` shim that throws
 * `Dynamic require of "node:https" is not supported` at init unless a banner recreates
 * `require` with `createRequire(import.meta.url)`. CommonJS has a real `require`, needs no
 * banner, and loads synchronously at init. Nothing here needs ESM (no top-level await), and
 * esbuild tree-shakes ESM inputs (zod, eventsource-parser) the same in either output format.
 *
 * Every dependency goes inside, the AgentCore client included: the runtime's built-in SDK is
 * whatever version AWS ships that month, while the bundle carries the version in the lockfile
 * (RetryableConflictException, for one, needs client >= 3.1050.0).
 *
 * Deterministic: esbuild's output depends only on its inputs; the source map names sources by
 * paths relative to the output folder and carries no source text (`sourcesContent: false`).
 */
export function buildHandler(options: BuildHandlerOptions = {}): HandlerBundle {
  const dir = path.resolve(options.outdir ?? path.join(REPO_ROOT, "dist", "handler"));
  const minify = options.minify ?? true;
  const sourcemap = options.sourcemap ?? true;

  const result = buildSync({
    entryPoints: [options.entryPoint ?? ENTRY_POINT],
    outfile: path.join(dir, ENTRY),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    // The packages' ES module builds where they have them (the AWS SDK, Powertools): esbuild
    // drops what the proxy does not use from those, where their CommonJS builds (`main`) are kept
    // whole. The bundle went from 573 to 411 KiB and its init from about 87 to 55-75 ms on the
    // benchmark's machine, the floor's with it (`npm run bench`, item 3).
    mainFields: options.mainFields ?? ["module", "main"],
    minify,
    // "linked": a separate index.js.map, which the bundle reads on its first stack trace
    // (src/index.ts), and the sourceMappingURL comment other tools look for.
    sourcemap: sourcemap ? "linked" : false,
    sourcesContent: false,
    // Keep the license comments, at the end of the file, out of the way.
    legalComments: "eof",
    logLevel: "silent",
    absWorkingDir: REPO_ROOT,
    // Resolve packages from this repository, wherever the entry point lies (the floor's is in a
    // temp folder).
    nodePaths: [path.join(REPO_ROOT, "node_modules")],
    metafile: true,
    write: false,
  });
  if (result.errors.length > 0) {
    throw new Error(`handler bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
  }

  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const file of result.outputFiles) {
    writeFileSync(file.path, file.contents);
    files.push(path.relative(dir, file.path));
  }
  files.sort();
  return {
    dir,
    entry: ENTRY,
    handler: `${path.basename(ENTRY, ".js")}.handler`,
    files,
    bytes: statSync(path.join(dir, ENTRY)).size,
    packages: packageSizes(result.metafile),
  };
}

/** The bundle's bytes by npm package (the entry's own code as "(own code)"), largest first. */
function packageSizes(metafile: Metafile): { name: string; bytes: number }[] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? "(own code)";
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
