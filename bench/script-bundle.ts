import { buildSync } from "esbuild";
import * as path from "node:path";

/**
 * Bundles one of the benchmark's child scripts to plain CommonJS JavaScript, so the measured
 * process runs `node` alone: no TypeScript loader hooks in `require`, no loader memory in RSS.
 */

const REPO_ROOT = path.resolve(__dirname, "..");

/** Plain CommonJS for Node.js 24, as the proxy is built (its own build is handler/build.ts). */
const ESBUILD_COMMON = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  legalComments: "eof",
  logLevel: "silent",
} as const;

export function bundleScript(entry: string, outfile: string): string {
  const result = buildSync({
    ...ESBUILD_COMMON,
    entryPoints: [entry],
    outfile,
    absWorkingDir: REPO_ROOT,
  });
  if (result.errors.length > 0) throw new Error(`bundling ${entry} failed`);
  return outfile;
}
