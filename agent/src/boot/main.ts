// The image's entry (dist/main.cjs): runs the agent bundle (agent.cjs beside it) from the V8 code
// cache the image build wrote, with stack traces that name the TypeScript sources.
//
// Built as CommonJS (build.ts): an ES module entry starts Node's ES module loader, and importing
// node:fs as an ES module evaluates all of fs/promises, its streams and readline with it, at
// every start, for nothing the agent needs before it listens (agent/README.md, "Start-up").
//
// `node main.cjs --write-code-cache` is the image build's step that writes the cache (warm-up.ts
// and the Dockerfile); `--write-code-cache=ping` writes it at /ping, without a first answer.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadBundle } from "./code-cache.js";
import { AGENT_BUNDLE, WARM_UP } from "./files.js";
import { mapStackTraces } from "./stack-traces.js";

// `__dirname` once built (build.ts defines it so).
const dir = import.meta.dirname;
const bundleFile = path.join(dir, AGENT_BUNDLE);
mapStackTraces(bundleFile);
const cacheStep = process.argv.find((arg) => /^--write-code-cache(=ping)?$/.test(arg));
const bundle = loadBundle(bundleFile, { readCache: cacheStep === undefined });
if (cacheStep !== undefined) {
  // The warm-up and its model are a file of their own, so no other start loads them.
  import(pathToFileURL(path.join(dir, WARM_UP)).href)
    .then((warmUp: typeof import("./warm-up.js")) =>
      warmUp.writeCodeCache(bundle, cacheStep.endsWith("=ping") ? "ping" : "answer"),
    )
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
} else {
  bundle.run();
}
