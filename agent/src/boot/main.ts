// The image's entry (dist/main.mjs): runs the agent bundle (agent.cjs beside it) from the V8 code
// cache the image build wrote, with stack traces that name the TypeScript sources.
//
// `node main.mjs --write-code-cache` is that build step (see warm-up.ts and the Dockerfile).
import path from "node:path";
import { AGENT_BUNDLE } from "./files.js";
import { loadBundle } from "./code-cache.js";
import { mapStackTraces } from "./stack-traces.js";
import { writeCodeCache } from "./warm-up.js";

const bundleFile = path.join(import.meta.dirname, AGENT_BUNDLE);
mapStackTraces(bundleFile);
const bundle = loadBundle(bundleFile);
if (process.argv.includes("--write-code-cache")) {
  await writeCodeCache(bundle);
} else {
  bundle.run();
}
