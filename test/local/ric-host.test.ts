import * as assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { sseEvent } from "../../local/agentcore-standin";
import { AgentCoreStandin } from "../../local/agentcore-standin";
import { decodeLambdaResponse, readLambdaResponse } from "../../local/apigw-decode";
import { chooseLambdaHost, DevStackError } from "../../local/dev-stack";
import {
  loadStreamingHandler,
  METADATA_PRELUDE_CONTENT_TYPE,
  type Invocation,
  type InvocationResult,
  type StreamingHandlerHost,
} from "../../local/lambda-host";
import { ricAvailable, startRicHost, type RicHost } from "../../local/ric-host";
import {
  answer,
  baseEnv,
  BodyReader,
  bundleFile,
  call,
  invokeEvent,
  parseSse,
  tempDir,
  within,
} from "../handler/helpers";

/**
 * The genuine Node.js runtime interface client (aws-lambda-ric) against the loopback Runtime
 * API: the proxy bundle and small purpose-written handlers, asserted at the wire. The same
 * fixtures also run in the in-process host, whose wire bytes must be identical: that is what
 * makes it a faithful fallback.
 */

const availability = ricAvailable();

function requireRic(ctx: Mocha.Context): void {
  if (availability.ok) return;
  if (process.env.CI) {
    throw new Error(`the runtime interface client must run in CI: ${availability.reason}`);
  }
  console.log(`    skipped: ${availability.reason}`);
  ctx.skip();
}

const dir = tempDir("ric-fixtures");
const ricHosts: RicHost[] = [];
const inProcessHosts: StreamingHandlerHost[] = [];
const logs: string[] = [];

function fixtureFile(name: string, body: string): string {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, `"use strict";\nexports.handler = awslambda.streamifyResponse(${body});\n`);
  return file;
}

function ric(file: string, maxEnvironments?: number): RicHost {
  const host = startRicHost(
    file,
    { FIXTURE: path.basename(file), UNSET_ME: undefined },
    {
      maxEnvironments,
      log: (line) => logs.push(line),
    },
  );
  ricHosts.push(host);
  return host;
}

function inProcess(file: string): StreamingHandlerHost {
  const host = loadStreamingHandler(file, { FIXTURE: path.basename(file) });
  inProcessHosts.push(host);
  return host;
}

async function wireOf(
  invocation: Invocation,
): Promise<{ wire: Buffer; contentType: string; result: InvocationResult }> {
  const chunks: Buffer[] = [];
  for await (const chunk of invocation) chunks.push(chunk as Buffer);
  const result = await within(invocation.result, 20_000, "the invocation never finished");
  return { wire: Buffer.concat(chunks), contentType: invocation.contentType, result };
}

async function disposeAll(): Promise<void> {
  for (const host of inProcessHosts.splice(0)) host.dispose();
  await Promise.all(ricHosts.splice(0).map((h) => h.dispose()));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const PRELUDE = { statusCode: 201, headers: { "Content-Type": "text/plain", "X-A": "1" } };
const NULS = Buffer.alloc(8);

/** Cases whose wire and outcome both hosts must agree on, byte for byte. */
const CASES: {
  name: string;
  body: string;
  wire: Buffer;
  contentType: string;
  error?: { errorType: string; errorMessage: RegExp };
}[] = [
  {
    name: "prelude-then-body",
    body: `async (event, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, ${JSON.stringify(PRELUDE)});
      stream.write("hello ");
      stream.write(Buffer.from("wörld "));
      stream.write({ json: true });
      stream.end("!");
    }`,
    wire: Buffer.concat([
      Buffer.from(JSON.stringify(PRELUDE)),
      NULS,
      Buffer.from('hello wörld {"json":true}!'),
    ]),
    contentType: METADATA_PRELUDE_CONTENT_TYPE,
  },
  {
    // The known pitfall: end(body) bypasses the write() hook that sends the prelude.
    name: "end-only",
    body: `async (event, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, ${JSON.stringify(PRELUDE)});
      stream.end('{"error":"bad request"}');
    }`,
    wire: Buffer.from('{"error":"bad request"}'),
    contentType: METADATA_PRELUDE_CONTENT_TYPE,
  },
  {
    name: "throws-after-write",
    body: `async (event, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
      stream.write("partial");
      throw new TypeError("boom");
    }`,
    wire: Buffer.concat([Buffer.from('{"statusCode":200}'), NULS, Buffer.from("partial")]),
    contentType: METADATA_PRELUDE_CONTENT_TYPE,
    error: { errorType: "TypeError", errorMessage: /^boom$/ },
  },
  {
    name: "throws-a-string",
    body: `async () => { throw "not an Error"; }`,
    wire: Buffer.alloc(0),
    contentType: "application/octet-stream",
    error: { errorType: "string", errorMessage: /^not an Error$/ },
  },
  {
    name: "late-content-type",
    body: `async (event, stream) => { stream.write("x"); stream.setContentType("text/plain"); }`,
    wire: Buffer.from("x"),
    contentType: "application/octet-stream",
    error: {
      errorType: "Runtime.InvalidStreamingOperation",
      errorMessage: /^Cannot set content-type, too late\.$/,
    },
  },
  {
    name: "plain-stream",
    body: `async (event, stream) => { stream.setContentType("text/csv"); stream.write("a,b"); stream.end(); }`,
    wire: Buffer.from("a,b"),
    contentType: "text/csv",
  },
  {
    // The trailers left with the last chunk: the error is only logged.
    name: "throws-after-end",
    body: `async (event, stream) => { stream.end("done"); throw new Error("too late to tell"); }`,
    wire: Buffer.from("done"),
    contentType: "application/octet-stream",
  },
  {
    name: "not-async-ended",
    body: `(event, stream) => { stream.end(); }`,
    wire: Buffer.alloc(0),
    contentType: "application/octet-stream",
  },
  {
    name: "not-async-open",
    body: `(event, stream) => { stream.write("y"); }`,
    wire: Buffer.from("y"),
    contentType: "application/octet-stream",
    error: { errorType: "Error", errorMessage: /non-async/ },
  },
];

describe("ric host: the genuine runtime interface client", function () {
  this.timeout(60_000);
  before(function () {
    requireRic(this);
  });
  after(disposeAll);

  describe("wire: the same bytes as the in-process host", () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const file = fixtureFile(c.name, c.body);
        const genuine = await wireOf(ric(file).invoke({}, { deadlineMs: 10_000 }));
        const fallback = await wireOf(inProcess(file).invoke({}, { deadlineMs: 10_000 }));
        for (const [host, got] of [
          ["ric", genuine],
          ["in-process", fallback],
        ] as const) {
          assert.deepEqual(
            got.wire.toString("latin1"),
            c.wire.toString("latin1"),
            `${host}: wire bytes`,
          );
          assert.equal(got.contentType, c.contentType, `${host}: content type`);
          assert.equal(got.result.bytes, c.wire.length, `${host}: bytes`);
          assert.equal(got.result.timedOut, false, `${host}: timedOut`);
          if (c.error === undefined) {
            assert.equal(got.result.error, undefined, `${host}: ${JSON.stringify(got.result)}`);
          } else {
            assert.equal(got.result.error?.errorType, c.error.errorType, `${host}: error type`);
            assert.match(String(got.result.error?.errorMessage), c.error.errorMessage);
          }
        }
        assert.deepEqual(genuine.wire, fallback.wire);
      });
    }

    it("end(body) with no write() cannot be decoded by API Gateway", async () => {
      const file = fixtureFile(
        "end-only-decode",
        `async (event, stream) => {
          stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
          stream.end("oops");
        }`,
      );
      await assert.rejects(
        decodeLambdaResponse(ric(file).invoke({})),
        /before the prelude delimiter/,
      );
    });

    it("gives the handler the runtime's context and a stream without pipe()", async () => {
      const file = fixtureFile(
        "context",
        `async (event, stream, context) => {
          stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
          stream.write(JSON.stringify({
            event, id: context.awsRequestId, fn: context.functionName, arn: context.invokedFunctionArn,
            remaining: context.getRemainingTimeInMillis(), pipe: typeof stream.pipe,
            env: process.env.FIXTURE, runtime: process.env.AWS_EXECUTION_ENV,
            unset: "UNSET_ME" in process.env, concurrency: "AWS_LAMBDA_MAX_CONCURRENCY" in process.env,
          }));
          stream.end();
        }`,
      );
      const r = await readLambdaResponse(
        ric(file).invoke({ hello: "world" }, { deadlineMs: 5_000, awsRequestId: "req-42" }),
      );
      const seen = JSON.parse(r.text) as Record<string, unknown>;
      assert.deepEqual(seen.event, { hello: "world" });
      assert.equal(seen.id, "req-42");
      assert.equal(seen.fn, "agentcore-stream-proxy");
      assert.match(
        String(seen.arn),
        /^arn:aws:lambda:us-east-1:\d{12}:function:agentcore-stream-proxy$/,
      );
      assert.ok(Number(seen.remaining) > 0 && Number(seen.remaining) <= 5_000);
      assert.equal(seen.pipe, "undefined");
      assert.equal(seen.env, "context.js");
      assert.equal(seen.runtime, "AWS_Lambda_nodejs24.x");
      assert.equal(seen.unset, false, "an undefined variable reached the function");
      assert.equal(seen.concurrency, false, "multi-concurrency mode is on");
    });

    it("passes the handler's console output to the log callback", async () => {
      const file = fixtureFile(
        "logs",
        `async (event, stream) => { console.log("marker-" + event.n); stream.end(); }`,
      );
      await wireOf(ric(file).invoke({ n: 7 }));
      assert.ok(
        logs.some((l) => /\tINFO\tmarker-7$/.test(l)),
        `no marker in ${JSON.stringify(logs)}`,
      );
    });
  });

  describe("lifecycle", () => {
    it("times out: the environment is killed and the next invocation gets a new one", async () => {
      const file = fixtureFile(
        "never-ends",
        `async (event, stream) => {
          stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
          stream.write(String(process.pid));
          if (event.end) stream.end();
        }`,
      );
      const host = ric(file);
      const first = await wireOf(host.invoke({}, { deadlineMs: 300 }));
      assert.equal(first.result.timedOut, true);
      assert.deepEqual(first.result.error, {
        errorType: "Sandbox.Timedout",
        errorMessage: "Task timed out",
      });
      const pid = Number(first.wire.subarray(first.wire.indexOf(NULS) + 8).toString());
      assert.equal(processAlive(pid), false, "the timed-out environment still runs");

      const second = await readLambdaResponse(host.invoke({ end: true }, { deadlineMs: 10_000 }));
      assert.notEqual(Number(second.text), pid);
      assert.equal(host.environments().length, 1);
    });

    it("replaces an environment that crashes", async () => {
      const file = fixtureFile(
        "crash",
        `async (event, stream) => {
          if (event.crash) process.exit(3);
          stream.end(String(process.pid));
        }`,
      );
      const host = ric(file);
      const before = (await wireOf(host.invoke({}))).wire.toString();
      const crashed = await wireOf(host.invoke({ crash: true }));
      assert.equal(crashed.result.error?.errorType, "Runtime.ExitError");
      assert.match(String(crashed.result.error?.errorMessage), /exit status 3/);
      const after = (await wireOf(host.invoke({}))).wire.toString();
      assert.notEqual(after, before);
      assert.equal(processAlive(Number(before)), false);
    });

    it("fails the invocation when the bundle cannot initialise", async () => {
      const file = path.join(dir, "broken-init.js");
      writeFileSync(file, `"use strict";\nthrow new Error("init went wrong");\n`);
      const { result } = await wireOf(ric(file).invoke({}));
      assert.equal(result.error?.errorType, "Error");
      assert.match(String(result.error?.errorMessage), /init went wrong/);
    });

    it("grows the pool for concurrent invocations, then reuses idle environments", async () => {
      // A gate the handlers wait on, so all five are running at once.
      const held: ServerResponse[] = [];
      const gate = createServer((_req, res) => {
        held.push(res);
      });
      await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", () => resolve()));
      const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
      try {
        const file = fixtureFile(
          "pool",
          `async (event, stream) => {
            if (event.gate) await (await fetch(event.gate)).text();
            stream.end(String(process.pid));
          }`,
        );
        const host = ric(file);
        const concurrent = Array.from({ length: 5 }, () =>
          wireOf(host.invoke({ gate: gateUrl }, { deadlineMs: 30_000 })),
        );
        await within(
          (async () => {
            while (held.length < 5) await new Promise((r) => setTimeout(r, 20));
          })(),
          30_000,
          "five handlers never ran at the same time",
        );
        assert.equal(host.environments().length, 5);
        assert.ok(host.environments().every((e) => e.state === "busy"));
        for (const res of held) res.end("go");
        const pids = new Set((await Promise.all(concurrent)).map((r) => r.wire.toString()));
        assert.equal(pids.size, 5, "five invocations shared environments");

        const again = await Promise.all(
          Array.from({ length: 5 }, () => wireOf(host.invoke({}, { deadlineMs: 30_000 }))),
        );
        for (const r of again) assert.ok(pids.has(r.wire.toString()), "a new environment started");
        assert.equal(host.environments().length, 5);
        assert.ok(host.environments().every((e) => e.invocations >= 1));
      } finally {
        for (const res of held) res.destroy();
        gate.closeAllConnections();
        await new Promise<void>((resolve) => gate.close(() => resolve()));
      }
    });

    it("never runs more environments than the maximum: the rest wait", async () => {
      const file = fixtureFile(
        "small-pool",
        `async (event, stream) => { await new Promise((r) => setTimeout(r, 50)); stream.end(String(process.pid)); }`,
      );
      const host = ric(file, 2);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => wireOf(host.invoke({}, { deadlineMs: 30_000 }))),
      );
      assert.ok(results.every((r) => r.result.error === undefined));
      assert.equal(new Set(results.map((r) => r.wire.toString())).size, 2);
    });
  });

  describe("client disconnect and backpressure", () => {
    /**
     * The handler records what its response stream emits in a file, synchronously: the genuine
     * client does not survive a broken response connection (see the assertion on the exit).
     */
    function disconnectFixture(name: string): string {
      return fixtureFile(
        name,
        `async (event, stream) => {
          const fs = require("node:fs");
          const note = (what) => fs.appendFileSync(event.marker, what + "\\n");
          stream.on("error", (err) => note("error " + err.code));
          stream.on("close", () => note("close"));
          stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
          stream.write("first");
          if (event.end) return stream.end();
          await new Promise((resolve) => {
            const timer = setInterval(() => {
              if (event.tick) stream.write("tick");
            }, 50);
            stream.on("close", () => { clearInterval(timer); resolve(); });
          });
        }`,
      );
    }

    for (const mode of ["close", "silent"] as const) {
      it(`reaches the handler (${mode}): its response stream errors`, async () => {
        const file = disconnectFixture(`disconnect-${mode}`);
        const marker = path.join(dir, `disconnect-${mode}.log`);
        const host = ric(file);
        const invocation = host.invoke({ marker, tick: mode === "silent" }, { deadlineMs: 30_000 });
        const response = await decodeLambdaResponse(invocation);
        const reader = new BodyReader(response.body);
        await reader.waitFor("first");
        invocation.disconnect(mode);
        const result = await within(invocation.result, 20_000, "the invocation never ended");
        assert.equal(result.timedOut, false);
        // The handler heard of it: its stream errored (the client then exits, see below, so
        // whether "close" follows is a race).
        const seen = existsSync(marker) ? readFileSync(marker, "utf8") : "";
        assert.match(seen, /^error ECONNRESET\n/, JSON.stringify(seen));
        // What the genuine client (4.0.2) does then: the request's error rejects a promise it
        // never handles (createResponseStream's headersDone), and the process exits.
        assert.equal(result.error?.errorType, "Runtime.ExitError", JSON.stringify(result));
        const next = await wireOf(host.invoke({ marker: path.join(dir, "unused.log"), end: true }));
        assert.ok(next.wire.length > 0, "the next invocation did not get a fresh environment");
      });
    }

    it("reaches the handler when the client leaves before its first write", async () => {
      const file = fixtureFile(
        "leave-early",
        `async (event, stream) => {
          const fs = require("node:fs");
          stream.on("error", (err) => fs.appendFileSync(event.marker, "error " + err.code + "\\n"));
          stream.on("close", () => fs.appendFileSync(event.marker, "close\\n"));
          fs.appendFileSync(event.marker, "started\\n");
          await new Promise((resolve) => stream.on("close", resolve));
        }`,
      );
      const marker = path.join(dir, "leave-early.log");
      const invocation = ric(file).invoke({ marker }, { deadlineMs: 30_000 });
      await within(
        (async () => {
          while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
        })(),
        10_000,
        "the handler never started",
      );
      invocation.disconnect("close");
      const result = await within(invocation.result, 20_000, "the invocation never ended");
      assert.equal(result.timedOut, false);
      const seen = readFileSync(marker, "utf8");
      assert.match(seen, /^started\nerror ECONNRESET\n/, JSON.stringify(seen));
      assert.equal(result.error?.errorType, "Runtime.ExitError", JSON.stringify(result));
    });

    it("applies backpressure: a slow reader bounds what the environment buffers", async () => {
      const total = 64 * 1024 * 1024;
      const file = fixtureFile(
        "firehose",
        `async (event, stream) => {
          stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
          const chunk = Buffer.alloc(64 * 1024, 97);
          let written = 0;
          while (written < ${total}) {
            written += chunk.length;
            if (!stream.write(chunk)) {
              console.log("stalled " + written);
              await new Promise((resolve) => stream.once("drain", resolve));
            }
          }
          console.log("finished " + written);
          stream.end();
        }`,
      );
      const stalls = (): number[] =>
        logs.flatMap((l) => {
          const m = /\tstalled (\d+)$/.exec(l);
          return m === null ? [] : [Number(m[1])];
        });
      const seenBefore = stalls().length;
      const invocation = ric(file).invoke({}, { deadlineMs: 60_000 });
      // Nobody reads: wait until the handler's writes stop making progress.
      let last = -1;
      await within(
        (async () => {
          for (;;) {
            await new Promise((r) => setTimeout(r, 300));
            const now = stalls().slice(seenBefore);
            const written = now.at(-1) ?? 0;
            if (written > 0 && written === last) return;
            last = written;
          }
        })(),
        30_000,
        "the handler never stalled",
      );
      // Nothing was read yet: everything written sits in buffers (the stream's, the sockets',
      // the kernel's), which must stay a small fraction of what the handler wants to send.
      assert.ok(last < 16 * 1024 * 1024, `the environment buffered ${last} bytes nobody read`);
      assert.ok(!logs.some((l) => l.endsWith(`finished ${total}`)), "the handler did not stall");

      const { wire, result } = await wireOf(invocation);
      assert.equal(result.error, undefined);
      assert.equal(wire.length, '{"statusCode":200}'.length + 8 + total);
      assert.ok(logs.some((l) => l.endsWith(`finished ${total}`)));
    });
  });

  describe("the proxy bundle", () => {
    let standin: AgentCoreStandin;
    let proxy: RicHost;
    before(async () => {
      standin = await AgentCoreStandin.start();
      proxy = startRicHost(
        bundleFile(),
        { ...baseEnv(standin.url), HEARTBEAT_MS: "60000" },
        {
          log: (line) => logs.push(line),
        },
      );
      ricHosts.push(proxy);
    });
    after(async () => {
      await standin?.close();
    });

    it("streams an SSE answer with the prelude, 8 NULs, then the events", async () => {
      standin.onInvoke({
        body: [sseEvent("text", { text: "Hello" }), sseEvent("done", { stopReason: "end_turn" })],
      });
      const invocation = proxy.invoke(invokeEvent({ prompt: "hi" }), { deadlineMs: 30_000 });
      const { wire, contentType, result } = await wireOf(invocation);
      assert.equal(contentType, METADATA_PRELUDE_CONTENT_TYPE);
      const at = wire.indexOf(NULS);
      const prelude = JSON.parse(wire.subarray(0, at).toString()) as {
        statusCode: number;
        headers: Record<string, string>;
      };
      assert.equal(prelude.statusCode, 200);
      assert.match(
        Object.entries(prelude.headers).find(([k]) => k.toLowerCase() === "content-type")![1],
        /text\/event-stream/,
      );
      const events = parseSse(wire.subarray(at + 8).toString());
      assert.deepEqual(
        events.filter((e) => e.event !== ":comment").map((e) => e.event),
        ["text", "done"],
      );
      assert.equal(result.error, undefined);
    });

    it("answers a bad request with the same 400 as in the in-process host", async () => {
      const event = invokeEvent({ prompt: "" });
      const genuine = await answer(proxy, event);
      const fallback = loadStreamingHandler(bundleFile(), baseEnv(standin.url));
      inProcessHosts.push(fallback);
      const copy = await answer(fallback, event);
      assert.equal(genuine.status, 400);
      assert.equal(copy.status, 400);
      assert.deepEqual(genuine.json, copy.json);
      assert.deepEqual(genuine.headers, copy.headers);
    });

    it("aborts the upstream call when the client disconnects mid-answer", async () => {
      const first = sseEvent("text", { text: "first" });
      standin.onInvoke({ body: [first, { delayMs: 60_000 }] });
      const before = standin.requests.length;
      const { invocation, response } = call(proxy, invokeEvent({ prompt: "long" }));
      const reader = new BodyReader((await response).body);
      await reader.waitFor(first);
      invocation.disconnect("close");
      const upstream = standin.requests[before];
      await within(upstream.whenAborted, 10_000, "the agent's request was not aborted");
      assert.equal(await upstream.settled, "aborted");
      const result = await within(invocation.result, 10_000, "the invocation never ended");
      assert.equal(result.timedOut, false);
    });
  });
});

describe("ric host: availability", () => {
  it("reports a missing client or native part, with the reason", () => {
    const empty = tempDir("no-ric");
    const missing = ricAvailable(empty);
    assert.equal(missing.ok, false);
    assert.match(!missing.ok ? missing.reason : "", /aws-lambda-ric is not installed/);
    writeFileSync(path.join(empty, "index.mjs"), "");
    const unbuilt = ricAvailable(empty);
    assert.match(!unbuilt.ok ? unbuilt.reason : "", /native client was not built/);
  });

  it("the dev stack falls back to the in-process host, and says why, only for auto", () => {
    const absent = { ok: false as const, reason: "not here" };
    assert.deepEqual(chooseLambdaHost("auto", absent), { kind: "in-process", reason: "not here" });
    assert.deepEqual(chooseLambdaHost("auto", { ok: true }), { kind: "ric" });
    assert.throws(() => chooseLambdaHost("ric", absent), DevStackError);
    assert.equal(chooseLambdaHost("in-process", { ok: true }).kind, "in-process");
  });
});
