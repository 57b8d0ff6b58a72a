import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { buildHandler } from "../../handler/build";
import { PROXY_NODE_OPTIONS } from "../../handler/node-options";
import { handlerBundle, tempDir } from "./helpers";

/**
 * Runs `script` in a fresh Node.js process from a file: `node -e` would not do, since it defines
 * a global `require` that hides the very failure these tests look for.
 */
function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
  nodeArgs = ["--enable-source-maps"],
): string {
  const file = path.join(tempDir("probe"), "probe.cjs");
  writeFileSync(file, script);
  return execFileSync(process.execPath, [...nodeArgs, file], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe("handler bundle", function () {
  it("meets the contract StreamingProxy relies on", () => {
    const b = handlerBundle();
    assert.ok(path.isAbsolute(b.dir));
    assert.equal(b.entry, "index.js");
    assert.equal(b.handler, "index.handler");
    assert.deepEqual(b.files, ["index.js", "index.js.map"]);
    assert.equal(b.bytes, statSync(path.join(b.dir, b.entry)).size);
  });

  it("is byte-identical across builds", () => {
    const root = tempDir("determinism");
    const a = buildHandler({ outdir: path.join(root, "a") });
    const b = buildHandler({ outdir: path.join(root, "b") });
    for (const file of a.files) {
      assert.ok(
        readFileSync(path.join(a.dir, file)).equals(readFileSync(path.join(b.dir, file))),
        `${file} differs between two builds`,
      );
    }
  });

  it("has a small source map that names no absolute path", () => {
    const b = handlerBundle();
    const js = readFileSync(path.join(b.dir, b.entry), "utf8");
    assert.ok(js.trimEnd().endsWith("//# sourceMappingURL=index.js.map"));
    const map = JSON.parse(readFileSync(path.join(b.dir, "index.js.map"), "utf8")) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    assert.equal(map.sourcesContent, undefined);
    assert.ok(map.sources.some((s) => s.endsWith("handler/src/index.ts")));
    for (const source of map.sources) assert.ok(!path.isAbsolute(source), source);
  });

  it("carries every dependency inside: it requires Node.js built-ins only", () => {
    const b = handlerBundle();
    const js = readFileSync(path.join(b.dir, b.entry), "utf8");
    const required = new Set([...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
    // Named only in an error message about SigV4a (which this client never uses).
    required.delete("@aws-sdk/signature-v4-crt");
    assert.ok(required.size > 0);
    assert.deepEqual(
      [...required].filter((name) => !isBuiltin(name)),
      [],
    );
    // The lockfile's AgentCore client, not the runtime's: RetryableConflictException is recent.
    assert.ok(js.includes("RetryableConflictException"));
  });

  it("loads at init under Node.js 24 without the ESM dynamic-require failure", () => {
    const b = handlerBundle();
    assert.equal(process.versions.node.split(".")[0], "24", "the tests must run on Node.js 24");
    // A fresh process, as Lambda's init is, with no node_modules reachable from the bundle's
    // folder: whatever loads, loads from the bundle.
    const script = `
      globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };
      const file = ${JSON.stringify(path.join(b.dir, b.entry))};
      const m = require(file);
      if (typeof m.handler !== "function") throw new Error("no handler export");
      const loaded = Object.keys(require.cache).filter((f) => f !== __filename);
      if (loaded.length !== 1 || loaded[0] !== file) throw new Error("loaded " + loaded.join(", "));
      console.log("loaded " + process.version);
    `;
    const out = runScript(script, b.dir, {
      AGENT_RUNTIME_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x",
      AWS_REGION: "us-east-1",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    assert.match(out, /^loaded v24\./);
  });

  it("names handler/src in its stack traces under the function's NODE_OPTIONS (no --enable-source-maps)", () => {
    const b = handlerBundle();
    // A response stream without methods: the handler throws inside the proxy's own code.
    const script = `
      globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };
      const { handler } = require(${JSON.stringify(path.join(b.dir, b.entry))});
      handler({ httpMethod: "GET", path: "/nowhere", headers: {} }, {}, { awsRequestId: "r" })
        .then(() => console.log("no error"), (error) => console.log(error.stack));
    `;
    const stack = runScript(
      script,
      b.dir,
      {
        AGENT_RUNTIME_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x",
        AWS_REGION: "us-east-1",
        POWERTOOLS_LOG_LEVEL: "SILENT",
        NODE_OPTIONS: PROXY_NODE_OPTIONS,
      },
      [],
    );
    assert.doesNotMatch(PROXY_NODE_OPTIONS, /--enable-source-maps/);
    const frames = stack.split("\n").filter((line) => line.trimStart().startsWith("at "));
    const root = path.resolve(__dirname, "..", "..");
    assert.match(frames[0] ?? "", /\((.+)\/handler\/src\/proxy\.ts:\d+:\d+\)$/, stack);
    assert.ok(frames[0]!.includes(`(${root}/handler/src/`), stack);
    assert.ok(!frames.some((frame) => frame.includes(`${b.entry}:`)), stack);
  });

  it("(control) fails that check when bundled as ESM without a require banner", () => {
    const outfile = path.join(tempDir("esm"), "index.mjs");
    buildSync({
      entryPoints: [path.join(__dirname, "..", "..", "handler", "src", "index.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      logLevel: "silent",
    });
    const script = `
      globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };
      import(${JSON.stringify(outfile)}).then(() => console.log("loaded"), (e) => console.log(e.message));
    `;
    const out = runScript(script, path.dirname(outfile), {
      AGENT_RUNTIME_ARN: "x",
      AWS_REGION: "us-east-1",
    });
    assert.match(out, /Dynamic require of "node:/);
  });

  it("builds a larger unminified baseline for the benchmark", () => {
    const naive = buildHandler({
      outdir: tempDir("naive"),
      minify: false,
      sourcemap: false,
    });
    assert.deepEqual(naive.files, ["index.js"]);
    assert.ok(naive.bytes > handlerBundle().bytes);
  });
});
