import * as path from "node:path";
import { buildHandler } from "../handler/build";

/**
 * Bundles one of the benchmark's child scripts to plain CommonJS JavaScript, so the measured
 * process runs `node` alone: no TypeScript loader hooks in `require`, no loader memory in RSS.
 * Built as the proxy is built (handler/build.ts), unminified and without a source map.
 * Returns the bundle's path.
 */
export function scriptBundle(entryPoint: string, outdir: string): string {
  const bundle = buildHandler({ entryPoint, outdir, minify: false, sourcemap: false });
  return path.join(bundle.dir, bundle.entry);
}
