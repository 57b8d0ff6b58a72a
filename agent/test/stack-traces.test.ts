// A minified bundle run the way the entry runs the agent (loadBundle) reports an error at its place
// in the TypeScript source, under the source's function names: the exact lines and columns that
// entry.test.ts cannot check on the agent, whose sources keep changing.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { loadBundle } from "../src/boot/code-cache.js";
import { mapStackTraces } from "../src/boot/stack-traces.js";

const FIXTURE = `export function outerCaller(): void {
  innerThrower();
}

function innerThrower(): never {
  throw new Error("thrown by the fixture");
}

outerCaller();
`;

describe("source-mapped stack traces", function () {
  let dir: string;
  let previous: typeof Error.prepareStackTrace;

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), "agent-stack-traces-"));
    writeFileSync(path.join(dir, "fixture.ts"), FIXTURE);
    // The agent bundle's options (build.ts): CommonJS, minified, a linked map without sources.
    buildSync({
      entryPoints: [path.join(dir, "fixture.ts")],
      outfile: path.join(dir, "fixture.cjs"),
      bundle: true,
      platform: "node",
      format: "cjs",
      minify: true,
      sourcemap: "linked",
      sourcesContent: false,
      logLevel: "silent",
    });
    previous = Error.prepareStackTrace;
  });

  after(function () {
    // mapStackTraces sets a process-wide hook; the rest of the suite runs without it.
    Error.prepareStackTrace = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  function thrown(): Error {
    try {
      loadBundle(path.join(dir, "fixture.cjs")).run(); // ← the caller's frame
    } catch (error) {
      assert.ok(error instanceof Error);
      return error;
    }
    assert.fail("the fixture did not throw");
  }

  it("names the source file, line, column and function of each frame in the bundle", function () {
    mapStackTraces(path.join(dir, "fixture.cjs"));
    const [heading, first, second] = thrown().stack!.split("\n");
    const source = path.join(dir, "fixture.ts");
    assert.equal(heading, "Error: thrown by the fixture");
    assert.equal(first, `    at innerThrower (${source}:6:9)`);
    assert.equal(second, `    at outerCaller (${source}:2:3)`);
  });

  it("keeps the source maps Node has for other files (this test file, through tsx)", function () {
    mapStackTraces(path.join(dir, "fixture.cjs"));
    const self = fileURLToPath(import.meta.url);
    const line =
      readFileSync(self, "utf8")
        .split("\n")
        .findIndex((text) => text.includes("// ← the caller's frame")) + 1;
    const frames = thrown().stack!.split("\n");
    assert.ok(
      frames.some((frame) => frame.includes(`${self}:${line}:`)),
      frames.join("\n"),
    );
  });

  it("leaves frames as V8 writes them when the map cannot be read", function () {
    rmSync(path.join(dir, "fixture.cjs.map"));
    mapStackTraces(path.join(dir, "fixture.cjs"));
    const [, first] = thrown().stack!.split("\n");
    assert.match(first!, /fixture\.cjs:\d+:\d+\)$/);
  });
});
