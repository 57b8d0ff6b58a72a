import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { README_END, README_START, updateReadme, type BenchResults } from "../../bench/report";
import { formattedMarkdown, runBench } from "../../bench/run";
import type { Summary } from "../../bench/stats";

/**
 * Smoke test of `npm run bench`: every measurement runs in quick mode (tiny sizes) and returns a
 * complete, error-free result, and the report renders. No timing or threshold is asserted here:
 * whether targets are met is the benchmark's answer, not a test's.
 */

function assertSummary(s: Summary, what: string): void {
  for (const key of ["n", "min", "p25", "median", "p75", "p99", "max", "mean"] as const) {
    assert.equal(typeof s[key], "number", `${what}.${key}`);
    assert.ok(Number.isFinite(s[key]), `${what}.${key} is ${s[key]}`);
  }
  assert.ok(s.n > 0, `${what} has samples`);
}

describe("bench (quick mode)", function () {
  this.timeout(120_000);
  let results: BenchResults;

  before(async () => {
    results = await runBench({ quick: true });
  });

  it("records the run and the machine", () => {
    assert.equal(results.quick, true);
    assert.ok(results.wallSeconds > 0);
    assert.match(results.machine.node, /^v\d+/);
    assert.ok(results.machine.cores > 0);
  });

  it("1. relay overhead: three paths measured, no failed stream", () => {
    const r = results.relayOverhead!;
    assert.equal(r.errors, 0, r.errorSamples.join("; "));
    for (const p of ["direct", "chain", "sdk"] as const) {
      assertSummary(r[p].ttfbMs, `${p}.ttfbMs`);
      assertSummary(r[p].eventLatencyMs, `${p}.eventLatencyMs`);
      assert.equal(r[p].eventLatencyMs.n, r.requestsPerPath * r.events);
    }
    assert.match(r.lambdaHost, /^(ric|in-process)$/);
    assert.equal(typeof r.target.ttfbMet, "boolean");
    assert.equal(typeof r.target.eventMet, "boolean");
  });

  it("2. throughput: every relay complete, memory sampled", () => {
    const t = results.throughput!;
    assert.equal(t.errors, 0);
    for (const run of t.runs) {
      assert.ok(run.complete);
      assert.ok(run.megabytes >= t.megabytes);
      assert.ok(run.samples > 0);
      assert.ok(run.baselineRssMb > 0 && run.peakRssMb >= run.baselineRssMb);
    }
    assert.equal(typeof t.target.met, "boolean");
  });

  it("3. cold start: four variants, each initialised", () => {
    const c = results.coldStart!;
    for (const v of ["floor", "proxy", "naive", "proxyNodeSourceMaps"] as const) {
      assert.ok(c.variants[v].bytes > 0);
      assertSummary(c.variants[v].initMs, `${v}.initMs`);
      assert.equal(c.variants[v].initMs.n, c.runs);
    }
    assert.ok(c.variants.naive.bytes > c.variants.proxy.bytes, "the naive bundle is unminified");
    assert.ok(c.proxyComposition.length > 0);
    assert.ok(
      c.proxyBeyondFloor.some((p) => p.name === "(own code)"),
      "the proxy's own code is beyond the floor",
    );
    assert.equal(typeof c.target.met, "boolean");
  });

  it("7. agent start: the image's files built and cached, every variant started", () => {
    const a = results.agentStart!;
    assertSummary(a.bareMs, "bareMs");
    for (const [variant, summary] of Object.entries(a.pingMs)) {
      assertSummary(summary, `pingMs.${variant}`);
      assert.equal(summary.n, a.runs);
    }
    assertSummary(a.firstByteMs.image, "firstByteMs.image");
    assertSummary(a.firstByteMs.before, "firstByteMs.before");
    assertSummary(a.firstByteMs.flags, "firstByteMs.flags");
    assertSummary(a.firstByteMs.bareServer, "firstByteMs.bareServer");
    const names = a.imageFiles.map((f) => f.name);
    for (const name of [
      "main.cjs",
      "warm-up.mjs",
      "agent.cjs",
      "agent.cjs.map",
      "agent.cjs.LEGAL.txt",
    ]) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(
      names.some((name) => /^agent\.cjs\.[0-9a-f]{8}\.cache$/.test(name)),
      names.join(),
    );
    assert.equal(a.entryFile.name, "main.cjs");
    assert.equal(typeof a.target.pingMet, "boolean");
    assert.equal(typeof a.target.firstByteMet, "boolean");
  });

  it("4. concurrency: every stream of every burst complete", () => {
    const c = results.concurrency!;
    assert.equal(c.chain.errors, 0, c.chain.errorSamples.join("; "));
    assert.equal(c.direct.errors, 0, c.direct.errorSamples.join("; "));
    assert.equal(c.chain.requests, c.streams * c.rounds);
    assertSummary(c.chain.ttfbMs, "chain.ttfbMs");
  });

  it("5. program: runs under mocks and registers resources", () => {
    const p = results.program!;
    assert.ok(p.resources > 0);
    assert.equal(p.customResources + p.componentResources, p.resources);
    assertSummary(p.wallMs, "wallMs");
  });

  it("6. cancel: every answer cancelled, its model reset and its invocation ended", () => {
    const c = results.cancel!;
    assert.equal(c.errors, 0);
    for (const key of ["modelResetMs", "invocationEndMs", "cancelAnswerMs"] as const) {
      assertSummary(c[key], key);
      assert.equal(c[key].n, c.rounds);
    }
    assert.equal(typeof c.target.met, "boolean");
  });

  it("renders the table and replaces only the README block between the markers", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "agentcore-stream-bench-test-"));
    try {
      const markdown = await formattedMarkdown(results, path.join(dir, "results.md"));
      for (const row of [
        "Time to first byte",
        "throughput",
        "initialisation",
        "simultaneous",
        "Cancel",
        "agent start to `/ping`",
      ]) {
        assert.match(markdown, new RegExp(row, "i"));
      }
      const readme = path.join(dir, "README.md");
      const before = `# x\n\n## Performance\n\n${README_START}\nOLD-BLOCK-CONTENT\n${README_END}\n\n## Deploy\n`;
      writeFileSync(readme, before);
      assert.equal(updateReadme(readme, markdown), true);
      const after = readFileSync(readme, "utf8");
      assert.ok(after.startsWith(`# x\n\n## Performance\n\n${README_START}\n`));
      assert.ok(after.endsWith(`${README_END}\n\n## Deploy\n`));
      assert.ok(!after.includes("OLD-BLOCK-CONTENT"));
      assert.ok(after.includes(markdown.trim()));
      writeFileSync(readme, "# no markers\n");
      assert.equal(updateReadme(readme, markdown), false);
      assert.equal(readFileSync(readme, "utf8"), "# no markers\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
