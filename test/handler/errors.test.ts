import * as assert from "node:assert/strict";
import { sseEvent } from "../../local/agentcore-standin";
import {
  ACCOUNT_ID,
  answer,
  assertNoLeak,
  BodyReader,
  call,
  invokeEvent,
  parseSse,
  PROMPT,
  RUNTIME_ARN,
  startHarness,
  within,
  type Harness,
} from "./helpers";
import type { StreamingHandlerHost } from "../../local/lambda-host";

/** What the stand-in's errors say: everything the client must never see. */
const LEAKY_MESSAGE = `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/proxy is not authorized on ${RUNTIME_ARN}; prompt was "${PROMPT}"\n    at Object.invoke (/var/task/index.js:1:1)`;

interface Case {
  type: string;
  status: number;
  code: string;
  retryAfter?: string;
  headers?: Record<string, string>;
}

/**
 * The deadline tests. Lambda's own deadline is LAMBDA_DEADLINE_MS away; DEADLINE_MARGIN_MS puts the
 * proxy's PROXY_GIVES_UP_MS after the start. The host is warmed up first, so the start is the
 * handler's, not the bundle's initialisation. What the tests need is an order: the request reaches
 * the agent (and its first byte the client) within milliseconds; the proxy gives up seconds later,
 * and Lambda's deadline is many seconds after that. The tests wait for events; a loaded machine
 * would have to stall for seconds to reorder them.
 */
const LAMBDA_DEADLINE_MS = 30_000;
const PROXY_GIVES_UP_MS = 2_000;

async function warmHost(h: Harness): Promise<StreamingHandlerHost> {
  const host = h.load({ DEADLINE_MARGIN_MS: String(LAMBDA_DEADLINE_MS - PROXY_GIVES_UP_MS) });
  assert.equal((await answer(host, invokeEvent({ prompt: "warm up" }))).status, 200);
  return host;
}

const CASES: Case[] = [
  { type: "ThrottlingException", status: 429, code: "throttled", retryAfter: "1" },
  {
    type: "ThrottlingException",
    status: 429,
    code: "throttled",
    retryAfter: "2",
    headers: { "Retry-After": "2" },
  },
  { type: "ServiceQuotaExceededException", status: 429, code: "throttled", retryAfter: "1" },
  { type: "RetryableConflictException", status: 409, code: "busy" },
  { type: "ValidationException", status: 400, code: "validation" },
  { type: "ResourceNotFoundException", status: 502, code: "upstream" },
  { type: "AccessDeniedException", status: 502, code: "upstream" },
  { type: "RuntimeClientError", status: 502, code: "upstream" },
  { type: "InternalServerException", status: 502, code: "upstream" },
  { type: "SomethingNewException", status: 502, code: "upstream" },
];

describe("handler: errors before the first byte", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  afterEach(() => h.reset());
  after(() => h.close());

  for (const c of CASES) {
    const label = c.headers === undefined ? "" : ` (${JSON.stringify(c.headers)})`;
    it(`answers ${c.type}${label} with ${c.status} ${c.code}`, async () => {
      h.standin.onInvoke({ error: { type: c.type, message: LEAKY_MESSAGE, headers: c.headers } });
      const event = invokeEvent({ prompt: PROMPT, sessionId: "e".repeat(40) });
      const r = await answer(h.host, event);

      assert.equal(r.status, c.status);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(r.headers["x-session-id"], "e".repeat(40));
      assert.equal(r.headers["retry-after"], c.retryAfter);
      const body = r.json as { error: { code: string; message: string; requestId: string } };
      assert.deepEqual(Object.keys(body), ["error"]);
      assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "requestId"]);
      assert.equal(body.error.code, c.code);
      assert.equal(body.error.requestId, event.requestContext.requestId);
      assertNoLeak(r.text, ["not authorized", "assumed-role"]);
      // One quick retry at most: the client is waiting.
      assert.ok(h.standin.requests.length >= 1 && h.standin.requests.length <= 2);
    });
  }

  it("answers 502 when the connection drops before the agent answers", async () => {
    h.standin.onInvoke((ctl) => ctl.cut());
    const r = await answer(h.host, invokeEvent({ prompt: PROMPT }));
    assert.equal(r.status, 502);
    assert.equal((r.json as { error: { code: string } }).error.code, "upstream");
    assertNoLeak(r.text, ["ECONNRESET", "socket hang up"]);
  });

  it("answers 504 when the Lambda deadline comes before the agent answers", async () => {
    const host = await warmHost(h);
    const before = h.standin.requests.length;
    h.standin.onInvoke({ hang: true });
    const { invocation, response } = call(host, invokeEvent({ prompt: PROMPT }), {
      deadlineMs: LAMBDA_DEADLINE_MS,
    });
    const upstream = await h.standin.waitForRequest(before + 1);
    const r = await response;
    const reader = new BodyReader(r.body);
    await reader.ended;
    assert.equal(r.statusCode, 504);
    assert.deepEqual(JSON.parse(reader.text).error, {
      code: "deadline",
      message: "The agent did not answer in time.",
      requestId: JSON.parse(reader.text).error.requestId,
    });
    const result = await invocation.result;
    assert.equal(result.timedOut, false, "the proxy answered before Lambda killed it");
    await within(upstream.whenAborted, 5_000, "the upstream call was not aborted");
  });

  it("answers a well-formed 500 when misconfigured", async () => {
    const host = h.load({ AGENT_RUNTIME_ARN: undefined, HEARTBEAT_MS: "soon" });
    const r = await answer(host, invokeEvent({ prompt: PROMPT }));
    assert.equal(r.status, 500);
    assert.equal((r.json as { error: { code: string } }).error.code, "internal");
    assert.equal(h.standin.requests.length, 0);
  });
});

describe("handler: errors after the stream started", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("ends an upstream cut mid-event with one error event and a clean end", async () => {
    const whole = sseEvent("text", { text: "half of this event" });
    h.standin.onInvoke({
      body: [
        sseEvent("text", { text: "first" }),
        whole.slice(0, 20),
        { delayMs: 20 },
        { cut: true },
      ],
    });
    const event = invokeEvent({ prompt: PROMPT });
    const { invocation, response } = call(h.host, event);
    const r = await response;
    assert.equal(r.statusCode, 200);
    const reader = new BodyReader(r.body);
    await within(reader.ended, 15_000, "the stream did not end");
    const result = await invocation.result;
    assert.equal(result.error, undefined, "the Lambda itself did not fail");

    const text = reader.text;
    assert.ok(text.startsWith(sseEvent("text", { text: "first" }) + whole.slice(0, 20)));
    const events = parseSse(text);
    const last = events[events.length - 1];
    assert.equal(last.event, "error");
    assert.deepEqual(JSON.parse(last.data), {
      code: "upstream",
      message: "The answer was cut off.",
      requestId: event.requestContext.requestId,
    });
    assert.equal(events.filter((m) => m.event === "error").length, 1);
    assert.ok(text.endsWith("\n\n"));
    assertNoLeak(text, ["ECONNRESET", "aborted"]);
  });

  it("ends an answer that stops without done with an error event", async () => {
    h.standin.onInvoke({ body: [sseEvent("text", { text: "and then nothing" })] });
    const r = await answer(h.host, invokeEvent({ prompt: PROMPT }));
    const events = parseSse(r.text);
    assert.deepEqual(
      events.map((m) => m.event),
      ["text", "error"],
    );
    assert.equal(JSON.parse(events[1].data).code, "upstream");
  });

  it("adds nothing when the connection drops after done", async () => {
    const done = sseEvent("done", {
      stopReason: "end_turn",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    });
    h.standin.onInvoke({ body: [sseEvent("text", { text: "x" }), done, { cut: true }] });
    const r = await answer(h.host, invokeEvent({ prompt: PROMPT }));
    assert.deepEqual(
      parseSse(r.text).map((m) => m.event),
      ["text", "done"],
    );
  });

  it("ends with event: error deadline before the Lambda deadline, aborting the agent", async () => {
    const host = await warmHost(h);
    const before = h.standin.requests.length;
    h.standin.onInvoke(async (ctl) => {
      ctl.start({ contentType: "text/event-stream" });
      await ctl.write(sseEvent("text", { text: "thinking" }));
      await ctl.whenAborted; // then nothing more, until the proxy gives up
    });
    const event = invokeEvent({ prompt: PROMPT });
    const { invocation, response } = call(host, event, { deadlineMs: LAMBDA_DEADLINE_MS });
    const upstream = await h.standin.waitForRequest(before + 1);
    const r = await response;
    assert.equal(r.statusCode, 200);
    const reader = new BodyReader(r.body);
    await within(reader.ended, 15_000, "the stream did not end");
    const events = parseSse(reader.text);
    assert.deepEqual(
      events.map((m) => m.event),
      ["text", "error"],
    );
    assert.deepEqual(JSON.parse(events[1].data), {
      code: "deadline",
      message: "The answer ran out of time.",
      requestId: event.requestContext.requestId,
    });
    const result = await invocation.result;
    assert.equal(result.timedOut, false, "the proxy ended before Lambda killed it");
    assert.equal(result.error, undefined);
    await within(upstream.whenAborted, 5_000, "the upstream call was not aborted");
  });
});
