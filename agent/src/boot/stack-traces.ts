// Stack traces through a bundle name the original source files, at no start-up cost.
//
// Node's own `--enable-source-maps` reads and parses a bundle's source map, and walks the bundle
// character by character to index its lines, as the bundle loads: for the agent that more than
// doubled the CPU time of its start (`npm run bench`), paid on every cold start whether an error
// ever happens or not. It also ignores code compiled through node:vm, which is how the agent's
// entry runs the bundle (nodejs/node#52102). This does the same translation the first time a
// stack trace is formatted, with Node's own source map parser (`module.SourceMap`), and writes
// frames the way Node does with source maps enabled (lib/internal/source_map/prepare_stack_trace.js).
// Frames of other files keep the maps Node itself knows (files loaded while Node's own source map
// support is on, as tsx turns it on in tests), since this replaces Node's formatting for all.
import { readFileSync } from "node:fs";
import { findSourceMap, SourceMap, type SourceOrigin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Formats every stack trace with the positions in `bundleFile` translated through its linked map
 * (`<bundleFile>.map`). Without a readable map, frames stay as V8 writes them.
 */
export function mapStackTraces(bundleFile: string): void {
  const mapFile = `${bundleFile}.map`;
  let map: SourceMap | null | undefined;
  const bundleMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, "utf8")));
      } catch {
        map = null;
      }
    }
    return map;
  };
  // The bundle's map names sources relative to itself; Node's maps name them by file URL.
  const bundleSource = (source: string): string => path.resolve(path.dirname(mapFile), source);
  const nodeSource = (source: string): string =>
    source.startsWith("file://") ? fileURLToPath(source) : source;

  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]): string => {
    const lines = frames.map((frame, i) => {
      const file = frame.getFileName();
      let mapped: string | undefined;
      try {
        if (file === bundleFile) {
          mapped = mapFrame(bundleMap(), frame, frames[i + 1], bundleSource);
        } else if (file !== null && file !== undefined) {
          mapped = mapFrame(findSourceMap(file), frame, frames[i + 1], nodeSource);
        }
      } catch {
        // A frame that cannot be mapped is shown as V8 wrote it; a stack is never lost over one.
      }
      return `\n    at ${mapped ?? String(frame)}`;
    });
    return `${heading(error)}${lines.join("")}`;
  };
}

/** The first line of a stack, as Node writes it: its own errors show their code. */
function heading(error: Error): string {
  const { code } = error as { code?: unknown };
  return typeof code === "string" && code.startsWith("ERR_")
    ? `${error.name} [${code}]: ${error.message}`
    : Error.prototype.toString.call(error);
}

function origin(
  map: SourceMap,
  line: number | null,
  column: number | null,
): SourceOrigin | undefined {
  if (line === null || column === null) return undefined;
  const found = map.findOrigin(line, column);
  return "fileName" in found ? found : undefined;
}

/** The frame at its place in the original source; undefined without a map or an entry in it. */
function mapFrame(
  map: SourceMap | null | undefined,
  frame: NodeJS.CallSite,
  caller: NodeJS.CallSite | undefined,
  sourcePath: (source: string) => string,
): string | undefined {
  if (map === null || map === undefined) return undefined;
  const at = origin(map, frame.getLineNumber(), frame.getColumnNumber());
  if (at === undefined) return undefined;
  const prefix = frame.isAsync() ? "async " : frame.isConstructor() ? "new " : "";
  const typeName = frame.getTypeName();
  const owner = typeName !== null && typeName !== "global" ? `${typeName}.` : "";
  // The minifier renamed functions: the map keeps their names at the function itself, or else
  // where a caller in the same bundle called it.
  const callerOrigin =
    caller?.getFileName() === frame.getFileName()
      ? origin(map, caller.getLineNumber(), caller.getColumnNumber())
      : undefined;
  const name =
    origin(map, frame.getEnclosingLineNumber(), frame.getEnclosingColumnNumber())?.name ??
    callerOrigin?.name ??
    frame.getFunctionName() ??
    frame.getMethodName() ??
    "<anonymous>";
  return `${prefix}${owner}${name} (${sourcePath(at.fileName)}:${at.lineNumber}:${at.columnNumber})`;
}
