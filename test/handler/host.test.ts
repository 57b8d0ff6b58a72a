import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import * as path from "node:path";
import { Readable } from "node:stream";
import { sseEvent } from "../../local/agentcore-standin";
import {
  decodeLambdaResponse,
  MalformedResponseError,
  readLambdaResponse,
  startApiGatewayServer,
} from "../../local/apigw-decode";
import {
  loadStreamingHandler,
  METADATA_PRELUDE_CONTENT_TYPE,
  type StreamingHandlerHost,
} from "../../local/lambda-host";
import { gate, startHarness, tempDir, within } from "./helpers";

/**
 * The host must fail the way Lambda fails, or the handler tests prove nothing. These fixtures are
 * tiny handlers (plain JavaScript, as a bundle is) that do right and wrong things.
 */
const dir = tempDir("fixtures");
const hosts: StreamingHandlerHost[] = [];
function fixture(name: string, body: string): StreamingHandlerHost {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, `"use strict";\nexports.handler = awslambda.streamifyResponse(${body});\n`);
  const host = loadStreamingHandler(file, { FIXTURE: name });
  hosts.push(host);
  return host;
}
/** The hosts set Lambda's environment variables in this process: put them back. */
function disposeFixtures(): void {
  for (const host of hosts.splice(0)) host.dispose();
}

const PRELUDE = { statusCode: 201, headers: { "Content-Type": "text/plain", "X-A": "1" } };

describe("lambda host: the runtime's streaming wire", function () {
  after(disposeFixtures);

  it("writes the JSON prelude and 8 NUL bytes before the first write", async () => {
    const host = fixture(
      "good",
      `async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, ${JSON.stringify(PRELUDE)});
        stream.write("hello ");
        stream.end("world");
      }`,
    );
    const invocation = host.invoke({});
    const chunks: Buffer[] = [];
    for await (const chunk of invocation) chunks.push(chunk as Buffer);
    const wire = Buffer.concat(chunks);
    const json = Buffer.from(JSON.stringify(PRELUDE));
    assert.deepEqual(wire, Buffer.concat([json, Buffer.alloc(8), Buffer.from("hello world")]));
    assert.equal(invocation.contentType, METADATA_PRELUDE_CONTENT_TYPE);
    const result = await invocation.result;
    assert.equal(result.error, undefined);
    assert.equal(result.bytes, wire.length);
  });

  it("sends end(body) without a prior write() with no prelude: API Gateway cannot decode it", async () => {
    const host = fixture(
      "end-only",
      `async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, ${JSON.stringify(PRELUDE)});
        stream.end('{"error":"bad request"}');
      }`,
    );
    const invocation = host.invoke({});
    await assert.rejects(decodeLambdaResponse(invocation), (err: unknown) => {
      assert.ok(err instanceof MalformedResponseError);
      assert.match(err.message, /before the prelude delimiter/);
      return true;
    });
  });

  it("rejects a stream that never used HttpResponseStream.from", async () => {
    const host = fixture("plain", `async (event, stream) => { stream.write("x"); stream.end(); }`);
    await assert.rejects(readLambdaResponse(host.invoke({})), /not application\/vnd\.awslambda/);
  });

  it("throws on setContentType after the first write", async () => {
    const host = fixture(
      "late-content-type",
      `async (event, stream) => { stream.write("x"); stream.setContentType("text/plain"); }`,
    );
    const result = await host.invoke({}).result;
    assert.equal(result.error?.errorMessage, "Cannot set content-type, too late.");
  });

  it("hands the handler only what the runtime exposes", async () => {
    const host = fixture(
      "members",
      `async (event, stream) => {
        const seen = { pipe: typeof stream.pipe, closed: typeof stream.closed, writableAborted: typeof stream.writableAborted,
          write: typeof stream.write, on: typeof stream.on, destroyed: stream.destroyed, writableNeedDrain: stream.writableNeedDrain };
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
        stream.write(JSON.stringify(seen));
        stream.end();
      }`,
    );
    const r = await readLambdaResponse(host.invoke({}));
    assert.deepEqual(JSON.parse(r.text), {
      pipe: "undefined",
      closed: "undefined",
      writableAborted: "undefined",
      write: "function",
      on: "function",
      destroyed: false,
      writableNeedDrain: false,
    });
  });

  it("fails a handler that throws, and one that is not async", async () => {
    const throws = fixture("throws", `async () => { throw new TypeError("boom"); }`);
    const result = await throws.invoke({}).result;
    assert.deepEqual(result.error, { errorType: "TypeError", errorMessage: "boom" });
    await assert.rejects(readLambdaResponse(throws.invoke({})), /without a byte/);

    // Not ending the stream: had it ended, the trailers would be gone and the runtime (like the
    // genuine one) would only log the error.
    const sync = fixture("sync", `(event, stream) => { stream.write("x"); }`);
    assert.match(String((await sync.invoke({}).result).error?.errorMessage), /non-async/);
  });

  it("keeps an invocation whose stream is never ended open until the deadline", async () => {
    const host = fixture(
      "never-ends",
      `async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
        stream.write("x");
      }`,
    );
    const result = await host.invoke({}, { deadlineMs: 200 }).result;
    assert.equal(result.timedOut, true);
    assert.equal(result.error?.errorType, "Sandbox.Timedout");
  });

  it("gives getRemainingTimeInMillis from the invocation deadline", async () => {
    const host = fixture(
      "remaining",
      `async (event, stream, context) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
        stream.write(String(context.getRemainingTimeInMillis()) + " " + context.awsRequestId);
        stream.end();
      }`,
    );
    const r = await readLambdaResponse(
      host.invoke({}, { deadlineMs: 5000, awsRequestId: "req-1" }),
    );
    const [remaining, id] = r.text.split(" ");
    assert.ok(Number(remaining) > 4000 && Number(remaining) <= 5000);
    assert.equal(id, "req-1");
  });

  it("sets Lambda's environment while loaded and puts it back on dispose", async () => {
    disposeFixtures();
    const before = process.env.AWS_LAMBDA_FUNCTION_NAME;
    const host = fixture("env", `async (event, stream) => { stream.end(); }`);
    assert.equal(process.env.FIXTURE, "env");
    assert.equal(process.env.AWS_EXECUTION_ENV, "AWS_Lambda_nodejs24.x");
    host.dispose();
    assert.equal(process.env.FIXTURE, undefined);
    assert.equal(process.env.AWS_LAMBDA_FUNCTION_NAME, before);
  });

  it("applies backpressure: writes stall while nobody reads the wire", async () => {
    const host = fixture(
      "backpressure",
      `async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
        const chunk = Buffer.alloc(16 * 1024, 97);
        let writes = 0;
        while (stream.write(chunk)) writes++;
        globalThis.__full(writes);
        await new Promise((resolve) => stream.once("drain", resolve));
        globalThis.__drained = true;
        stream.end();
      }`,
    );
    const g = globalThis as { __full?: (writes: number) => void; __drained?: boolean };
    // The handler says when write() first returns false: the test waits for that, not for time.
    const full = new Promise<number>((resolve) => (g.__full = resolve));
    const invocation = host.invoke({});
    const writesBeforeFull = await within(full, 10_000, "write() never returned false");
    assert.ok(writesBeforeFull < 16, `write() returned false after ${writesBeforeFull} writes`);
    // Nobody has read the wire yet, so the handler is still waiting for its drain.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(g.__drained, undefined, "no drain while nobody reads");
    const r = await readLambdaResponse(invocation);
    assert.equal(g.__drained, true);
    assert.ok(r.body.length > 0);
  });
});

describe("apigw-decode", function () {
  const wire = (...parts: (string | Buffer)[]) => Readable.from(parts.map((p) => Buffer.from(p)));

  it("decodes a prelude split across chunks and streams the body", async () => {
    const r = await readLambdaResponse(
      wire(
        '{"statusCode":4',
        '04,"headers":{"a":"b"},"cookies":["c=1"]}\0\0\0',
        "\0\0\0\0\0body",
        "!",
      ),
    );
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.headers, { a: "b" });
    assert.deepEqual(r.cookies, ["c=1"]);
    assert.equal(r.text, "body!");
  });

  it("fails loudly on a missing delimiter, a bad prelude or an empty stream", async () => {
    await assert.rejects(
      readLambdaResponse(wire('{"statusCode":200}', "body")),
      MalformedResponseError,
    );
    await assert.rejects(readLambdaResponse(wire("not json", Buffer.alloc(8))), /not JSON/);
    await assert.rejects(readLambdaResponse(wire("[1]", Buffer.alloc(8))), /not a JSON object/);
    await assert.rejects(
      readLambdaResponse(wire('{"statusCode":"200"}', Buffer.alloc(8))),
      /statusCode/,
    );
    await assert.rejects(readLambdaResponse(wire()), /without a byte/);
  });
});

describe("local API Gateway server in front of the host", function () {
  after(disposeFixtures);

  it("streams the proxy's answer over HTTP as it is produced", async () => {
    const h = await startHarness();
    const api = await startApiGatewayServer(h.host);
    try {
      const first = sseEvent("text", { text: "first" });
      const seen = gate();
      h.standin.onInvoke({
        body: [first, { waitFor: seen.promise }, sseEvent("done", { stopReason: "end_turn" })],
      });
      const body = JSON.stringify({ prompt: "hi" });
      const res = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
        const req = request(`${api.url}/invoke`, {
          method: "POST",
          headers: { "content-type": "application/json" },
        });
        req.on("response", resolve);
        req.on("error", reject);
        req.end(body);
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
      assert.match(String(res.headers["x-session-id"]), /^[0-9a-f-]{36}$/);
      let text = "";
      const ended = new Promise<void>((resolve) => res.on("end", resolve));
      const gotFirst = new Promise<void>((resolve) =>
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          if (text.includes(first)) resolve();
        }),
      );
      await within(gotFirst, 10_000, "the first event did not arrive before the next was produced");
      seen.open();
      await ended;
      assert.ok(text.endsWith(sseEvent("done", { stopReason: "end_turn" })));
    } finally {
      await api.close();
      await h.close();
    }
  });

  it("answers 502 for a malformed function response", async () => {
    const host = fixture(
      "malformed",
      `async (event, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
        stream.end("oops");
      }`,
    );
    const api = await startApiGatewayServer(host);
    try {
      const res = await fetch(`${api.url}/anything`);
      assert.equal(res.status, 502);
      assert.deepEqual(await res.json(), { message: "Internal server error" });
    } finally {
      await api.close();
    }
  });
});
