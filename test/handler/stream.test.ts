import * as assert from "node:assert/strict";
import { sseEvent, type ResponseController } from "../../local/agentcore-standin";
import {
  answer,
  BodyReader,
  call,
  deferred,
  gate,
  invokeEvent,
  lower,
  parseSse,
  PROMPT,
  RUNTIME_ARN,
  startHarness,
  within,
  type Harness,
} from "./helpers";

const DONE = sseEvent("done", {
  stopReason: "end_turn",
  usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
});

describe("handler: streaming an answer", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ AGENT_RUNTIME_QUALIFIER: "live" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("calls InvokeAgentRuntime the way AgentCore expects", async () => {
    const event = invokeEvent(
      { prompt: PROMPT, sessionId: "s".repeat(40), temperature: 0.2, tags: ["a"] },
      { headers: { "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678" } },
    );
    const r = await answer(h.host, event);
    assert.equal(r.status, 200);

    assert.equal(h.standin.requests.length, 1);
    const req = h.standin.requests[0];
    assert.equal(req.operation, "InvokeAgentRuntime");
    assert.equal(req.method, "POST");
    assert.equal(req.rawPath, `/runtimes/${encodeURIComponent(RUNTIME_ARN)}/invocations`);
    assert.equal(req.agentRuntimeArn, RUNTIME_ARN);
    assert.deepEqual(req.query, { qualifier: "live" });
    assert.equal(req.sessionId, "s".repeat(40));
    assert.equal(req.userId, undefined, "no identity, no runtime user id");
    assert.equal(req.headers.accept, "text/event-stream");
    assert.equal(req.headers["content-type"], "application/json");
    assert.equal(req.headers["x-amzn-trace-id"], "Root=1-67891233-abcdef012345678912345678");
    assert.match(
      String(req.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN0000000000\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request, SignedHeaders=[^,]*x-amzn-bedrock-agentcore-runtime-session-id[^,]*, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(req.headers["x-amz-security-token"], "standin-session-token");
    // The agent payload is the validated body less sessionId; extra fields go through.
    assert.deepEqual(req.json(), { prompt: PROMPT, temperature: 0.2, tags: ["a"] });
  });

  it("answers 200 with the SSE headers and the session id", async () => {
    const r = await answer(h.host, invokeEvent({ prompt: "hi", sessionId: "x".repeat(33) }));
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/event-stream; charset=utf-8");
    assert.equal(r.headers["cache-control"], "no-cache");
    assert.equal(r.headers["x-accel-buffering"], "no");
    assert.equal(r.headers["x-session-id"], "x".repeat(33));
    assert.deepEqual(
      parseSse(r.text).map((m) => m.event),
      ["text", "done"],
    );
  });

  it("relays every chunk to the client before the agent produces the next", async () => {
    const chunks = [
      sseEvent("text", { text: "one " }),
      sseEvent("text", { text: "two " }),
      sseEvent("text", { text: "three" }),
      DONE,
    ];
    const seen = chunks.map(() => gate());
    h.standin.onInvoke(async (ctl) => {
      ctl.start();
      for (let i = 0; i < chunks.length; i++) {
        await ctl.write(chunks[i]);
        // The next chunk exists only once the client has this one: a proxy that buffered
        // anything would deadlock here and fail the test.
        await within(seen[i].promise, 15_000, `chunk ${i} never reached the client`);
      }
      await ctl.end();
    });
    const { response } = call(h.host, invokeEvent({ prompt: "count" }));
    const reader = new BodyReader((await response).body);
    for (let i = 0; i < chunks.length; i++) {
      await reader.waitFor(chunks[i]);
      assert.ok(
        !reader.text.includes(chunks[i + 1] ?? "\0"),
        "the client must not see a chunk the agent has not produced yet",
      );
      seen[i].open();
    }
    await reader.ended;
    assert.equal(reader.text, chunks.join(""));
  });

  it("relays a stream that never pauses: each chunk reaches the client while the agent sends", async () => {
    // The agent writes one event per timer tick and never goes quiet: it stops once the client
    // has seen SEEN_ENOUGH events, or after MAX_EVENTS. Stand-in, proxy and client share this
    // process, so each arrival is compared with the count of events sent at that moment, not
    // with a clock: a streaming relay hands each event on before the agent's next tick (lag 0
    // here, even on a loaded machine); one that merges chunks and flushes when the agent goes
    // quiet holds everything back until a pause, or until the agent has sent all MAX_EVENTS.
    const MAX_EVENTS = 2000;
    const SEEN_ENOUGH = 20;
    const MAX_LAG = 10;
    const event = (i: number) => sseEvent("text", { text: `w${i} ` });
    let sent = 0;
    const sentWhenSeen: number[] = [];
    h.standin.onInvoke(async (ctl) => {
      ctl.start();
      while (sent < MAX_EVENTS && sentWhenSeen.length < SEEN_ENOUGH) {
        await ctl.write(event(sent));
        sent += 1;
        await ctl.delay(1);
      }
      await ctl.write(DONE);
      await ctl.end();
    });
    const { response } = call(h.host, invokeEvent({ prompt: "go on and on" }));
    const body = (await response).body;
    let received = "";
    body.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
      while (received.includes(event(sentWhenSeen.length))) sentWhenSeen.push(sent);
    });
    const reader = new BodyReader(body);
    await within(reader.ended, 30_000, "the stream did not end");

    // Lag: how many events the agent had sent beyond event i when event i reached the client.
    const lags = sentWhenSeen.slice(0, SEEN_ENOUGH).map((count, i) => count - (i + 1));
    assert.equal(lags.length, SEEN_ENOUGH, `the client saw ${lags.length} events`);
    assert.ok(Math.max(...lags) <= MAX_LAG, `the relay held events back; lags: ${lags.join(",")}`);
    assert.equal(reader.text, [...Array(sent).keys()].map(event).join("") + DONE);
  });

  it("keeps a UTF-8 sequence split across chunks intact, byte for byte", async () => {
    const event = Buffer.from(sseEvent("text", { text: "こんにちは、世界。日本語のテキスト" }));
    const ko = event.indexOf(Buffer.from("こ"));
    // Split inside the 3-byte sequences of "こ" and "世".
    const cuts = [ko + 1, event.indexOf(Buffer.from("世")) + 2];
    const parts = [
      event.subarray(0, cuts[0]),
      event.subarray(cuts[0], cuts[1]),
      event.subarray(cuts[1]),
    ];
    const client = deferred<BodyReader>();
    h.standin.onInvoke(async (ctl) => {
      ctl.start();
      const reader = await client.promise;
      let sent = 0;
      for (const part of parts) {
        await ctl.write(part);
        sent += part.length;
        // The client holds exactly the bytes sent so far, ending inside a character.
        await reader.waitFor(() => reader.bytes.length >= sent);
        assert.deepEqual(reader.bytes, event.subarray(0, sent));
      }
      await ctl.write(DONE);
      await ctl.end();
    });
    const { response } = call(h.host, invokeEvent({ prompt: "日本語で" }));
    const reader = new BodyReader((await response).body);
    client.resolve(reader);
    await reader.ended;
    assert.deepEqual(reader.bytes, Buffer.concat([event, Buffer.from(DONE)]));
    assert.equal(
      JSON.parse(parseSse(reader.text)[0].data).text,
      "こんにちは、世界。日本語のテキスト",
    );
  });

  it("relays a JSON (non-SSE) answer with its own content type", async () => {
    h.standin.onInvoke({
      contentType: "application/json",
      body: ['{"answer":', '"42"}'],
    });
    const r = await answer(h.host, invokeEvent({ prompt: "json please" }));
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/json");
    assert.deepEqual(r.json, { answer: "42" });
  });

  it("passes the agent's own error event through without adding one", async () => {
    h.standin.onInvoke({
      body: [
        sseEvent("text", { text: "partial" }),
        sseEvent("error", { code: "model_error", message: "The model failed." }),
      ],
    });
    const r = await answer(h.host, invokeEvent({ prompt: "fail" }));
    const events = parseSse(r.text);
    assert.deepEqual(
      events.map((m) => m.event),
      ["text", "error"],
    );
    assert.equal(JSON.parse(events[1].data).code, "model_error");
  });
});

describe("handler: heartbeats", function () {
  const HEARTBEAT_MS = 40;
  let h: Harness;
  before(async () => {
    h = await startHarness({ HEARTBEAT_MS: String(HEARTBEAT_MS) });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("writes comments while the agent is silent, only between events", async () => {
    const first = sseEvent("text", { text: "held back" });
    const split = first.indexOf("held");
    const client = deferred<BodyReader>();
    h.standin.onInvoke(async (ctl: ResponseController) => {
      ctl.start();
      const reader = await client.promise;
      // Silent before the first event: heartbeats may go in.
      await reader.waitFor(": keep-alive");
      // Half an event, then silence for many heartbeat periods: none may go in.
      await ctl.write(first.slice(0, split));
      await ctl.delay(HEARTBEAT_MS * 12);
      await ctl.write(first.slice(split));
      // Silent between events: heartbeats again.
      const before = count(reader.text);
      await reader.waitFor((t) => count(t) > before && t.includes(first));
      await ctl.write(DONE);
      await ctl.end();
    });
    const { response } = call(h.host, invokeEvent({ prompt: "slow" }));
    const reader = new BodyReader((await response).body);
    client.resolve(reader);
    await reader.ended;

    const text = reader.text;
    const start = text.indexOf(first.slice(0, split));
    const end = start + first.length;
    assert.ok(start > 0, "a heartbeat came before the first event");
    assert.equal(text.slice(start, end), first, "no heartbeat inside the event");
    assert.ok(count(text.slice(end)) > 0, "a heartbeat came between the events");
    assert.deepEqual(
      parseSse(text)
        .filter((m) => m.event !== ":comment")
        .map((m) => m.event),
      ["text", "done"],
    );
    for (const m of parseSse(text).filter((e) => e.event === ":comment")) {
      assert.equal(m.data, "keep-alive");
    }
  });

  it("sends no heartbeat into a JSON answer", async () => {
    h.standin.onInvoke({
      contentType: "application/json",
      body: ['{"a":', { delayMs: HEARTBEAT_MS * 6 }, "1}"],
    });
    const r = await answer(h.host, invokeEvent({ prompt: "json" }));
    assert.equal(r.text, '{"a":1}');
    assert.equal(lower(r.headers)["content-type"], "application/json");
  });
});

function count(text: string): number {
  return text.split(": keep-alive").length - 1;
}
