// Runs a CommonJS bundle from a V8 code cache made after the bundle had started.
//
// Once the bundle was small, most of the agent's start was V8 compiling functions the first time
// they ran (a CPU profile and an instruction count agree; agent/README.md, "Start-up"). Node's
// own compile cache (NODE_COMPILE_CACHE, module.enableCompileCache) stores a file's code as
// compiled *before* it runs: with V8's lazy compilation that is little more than the top level,
// and the functions start-up calls are compiled again on every start. `script.createCachedData()`
// called after the bundle has started serialises every function compiled so far (documented in
// node:vm), so a cache written once the server has answered a first question (warm-up.ts) covers
// the whole start and that first answer.
//
// V8 accepts a cache only for the same V8 version and flags, and checks the source by its length
// alone; the cache's file name therefore carries a CRC-32 of the bundle, so a cache made from
// other bytes is never found, let alone used.
import { isAscii } from "node:buffer";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Script, constants } from "node:vm";
import { crc32 } from "node:zlib";

export interface LoadedBundle {
  /** Where the bundle's code cache is, or would be written. */
  readonly cacheFile: string;
  /** Whether a cache was found and V8 used it. */
  readonly cacheUsed: boolean;
  /** Evaluates the bundle as a CommonJS module of its own. */
  run(): void;
  /**
   * Writes everything V8 has compiled of the bundle so far to `cacheFile`, read-only, in place of
   * any cache of an earlier bundle. Returns its size in bytes.
   */
  writeCache(): number;
}

// The CommonJS wrapper, with the bundle starting on a line of its own: `lineOffset: -1` then
// keeps stack trace positions identical to the file's, which its source map describes.
const WRAPPER_START = "(function (exports, require, module, __filename, __dirname) {\n";
const WRAPPER_END = "\n})";

/** `<bundle>.<CRC-32 of the bundle, 8 hex digits>.cache` */
function cacheName(bundleName: string, bytes: Buffer): string {
  return `${bundleName}.${crc32(bytes).toString(16).padStart(8, "0")}.cache`;
}

function isCacheName(name: string, bundleName: string): boolean {
  return (
    /^[0-9a-f]{8}\.cache$/.test(name.slice(bundleName.length + 1)) &&
    name.startsWith(`${bundleName}.`)
  );
}

export interface LoadOptions {
  /**
   * Whether to start from the bundle's cache when there is one (default true). The step that
   * writes the cache does not: code deserialised from an earlier cache counts as compiled, so the
   * new cache would hold whatever the earlier one held, not what this run compiled.
   */
  readCache?: boolean;
}

export function loadBundle(bundleFile: string, options: LoadOptions = {}): LoadedBundle {
  const bytes = readFileSync(bundleFile);
  const cacheFile = path.join(
    path.dirname(bundleFile),
    cacheName(path.basename(bundleFile), bytes),
  );
  const cachedData =
    options.readCache !== false && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  // An ASCII bundle (build.ts keeps it so) is read as one byte per character: decoding is a copy,
  // and V8 keeps the source at half the memory.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const script = new Script(`${WRAPPER_START}${source}${WRAPPER_END}`, {
    filename: bundleFile,
    lineOffset: -1,
    cachedData,
    // The bundle keeps a few `import("node:…")` of built-ins; resolve them as Node would.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData !== undefined && script.cachedDataRejected) {
    // Another V8 version or other V8 flags than the image build's: correct, only slower.
    console.error(`${cacheFile}: V8 rejected the code cache (other Node.js version or flags)`);
  }
  return {
    cacheFile,
    cacheUsed: cachedData !== undefined && script.cachedDataRejected !== true,
    run() {
      const module = { exports: {} };
      const main = script.runInThisContext() as (...args: unknown[]) => void;
      main.call(
        module.exports,
        module.exports,
        createRequire(bundleFile),
        module,
        bundleFile,
        path.dirname(bundleFile),
      );
    },
    writeCache() {
      const data = script.createCachedData();
      const dir = path.dirname(bundleFile);
      for (const name of readdirSync(dir)) {
        if (isCacheName(name, path.basename(bundleFile)))
          rmSync(path.join(dir, name), { force: true });
      }
      writeFileSync(cacheFile, data, { mode: 0o444 });
      return data.length;
    },
  };
}
