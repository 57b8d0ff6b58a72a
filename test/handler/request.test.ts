import * as assert from "node:assert/strict";
import { buildProxyEvent } from "../../local/apigw-decode";
import { answer, assertNoLeak, invokeEvent, PROMPT, startHarness, type Harness } from "./helpers";

type ErrorBody = { error: { code: string; message: string; requestId: string } };

describe("handler: request validation", function () {
  const MAX = 2048;
  let h: Harness;
  before(async () => {
    h = await startHarness({ MAX_BODY_BYTES: String(MAX) });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  async function rejected(event: ReturnType<typeof invokeEvent>, status: number, code: string) {
    const r = await answer(h.host, event);
    assert.equal(r.status, status, r.text);
    assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
    const body = r.json as ErrorBody;
    assert.equal(body.error.code, code);
    assert.equal(body.error.requestId, event.requestContext.requestId);
    assert.equal(typeof body.error.message, "string");
    assert.equal(h.standin.requests.length, 0, "nothing reaches AgentCore");
    return r;
  }

  it("rejects a body that is not JSON", async () => {
    const r = await rejected(invokeEvent(`{"prompt": "${PROMPT}"`), 400, "validation");
    assertNoLeak(r.text);
  });

  it("rejects JSON that is not an object", async () => {
    await rejected(invokeEvent(JSON.stringify([{ prompt: "x" }])), 400, "validation");
    await rejected(invokeEvent("null"), 400, "validation");
  });

  it("rejects a missing, empty, blank or non-string prompt", async () => {
    for (const body of [
      {},
      { prompt: "" },
      { prompt: "  \n " },
      { prompt: 42 },
      { prompt: null },
    ]) {
      const r = await rejected(invokeEvent(body), 400, "validation");
      assert.match((r.json as ErrorBody).error.message, /prompt/);
    }
  });

  it("rejects a non-JSON content type with 415", async () => {
    const event = invokeEvent({ prompt: PROMPT }, { headers: { "Content-Type": "text/plain" } });
    await rejected(event, 415, "unsupported_media_type");
  });

  it("accepts JSON with parameters or no content type at all", async () => {
    const withCharset = invokeEvent(
      { prompt: "hi" },
      { headers: { "content-type": "application/json; charset=UTF-8" } },
    );
    assert.equal((await answer(h.host, withCharset)).status, 200);
    const none = buildProxyEvent({ method: "POST", path: "/invoke", body: '{"prompt":"hi"}' });
    assert.equal((await answer(h.host, none)).status, 200);
  });

  it("decodes a base64 body", async () => {
    const event = invokeEvent(
      { prompt: "こんにちは", sessionId: "b".repeat(36) },
      { base64: true },
    );
    assert.equal(event.isBase64Encoded, true);
    const r = await answer(h.host, event);
    assert.equal(r.status, 200);
    assert.deepEqual(h.standin.requests[0].json(), { prompt: "こんにちは" });
    assert.equal(h.standin.requests[0].sessionId, "b".repeat(36));
  });

  it("rejects a base64 body that is not JSON", async () => {
    await rejected(invokeEvent("not json at all", { base64: true }), 400, "validation");
  });

  it("enforces MAX_BODY_BYTES on the decoded body", async () => {
    const fill = (bytes: number) => {
      const base = JSON.stringify({ prompt: "" });
      return JSON.stringify({ prompt: "x".repeat(bytes - base.length) });
    };
    assert.equal(Buffer.byteLength(fill(MAX)), MAX);
    assert.equal((await answer(h.host, invokeEvent(fill(MAX)))).status, 200);
    h.reset();
    await rejected(invokeEvent(fill(MAX + 1)), 413, "payload_too_large");
    // Multi-byte characters count as bytes, not characters.
    await rejected(invokeEvent({ prompt: "あ".repeat(700) }), 413, "payload_too_large");
    await rejected(invokeEvent(fill(MAX + 1), { base64: true }), 413, "payload_too_large");
  });

  it("rejects invalid session ids with 400", async () => {
    for (const sessionId of [
      "a".repeat(32),
      "a".repeat(257),
      `${"a".repeat(33)} `,
      `${"a".repeat(33)}/..`,
      `${"a".repeat(33)}é`,
      "a".repeat(30) + "\r\nX: y",
      42,
      null,
    ]) {
      const r = await rejected(invokeEvent({ prompt: "hi", sessionId }), 400, "validation");
      assert.match((r.json as ErrorBody).error.message, /sessionId/);
      assert.equal(r.headers["x-session-id"], undefined);
    }
  });

  it("accepts session ids of 33 and 256 characters as they are", async () => {
    for (const sessionId of ["A-_".repeat(11), "z9".repeat(128)]) {
      h.reset();
      const r = await answer(h.host, invokeEvent({ prompt: "hi", sessionId }));
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-session-id"], sessionId);
      assert.equal(h.standin.requests[0].sessionId, sessionId);
    }
  });

  it("generates a session id when there is none and returns it", async () => {
    const first = await answer(h.host, invokeEvent({ prompt: "hi" }));
    const second = await answer(h.host, invokeEvent({ prompt: "hi" }));
    const ids = [first.headers["x-session-id"], second.headers["x-session-id"]];
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{33,256}$/);
    assert.notEqual(ids[0], ids[1]);
    assert.deepEqual(
      h.standin.requests.map((r) => r.sessionId),
      ids,
    );
  });

  it("answers unknown routes with 404 and wrong methods with 405", async () => {
    const notFound = await answer(h.host, buildProxyEvent({ method: "GET", path: "/nothing" }));
    assert.equal(notFound.status, 404);
    assert.equal((notFound.json as ErrorBody).error.code, "not_found");
    const wrong = await answer(h.host, buildProxyEvent({ method: "GET", path: "/invoke" }));
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, "POST, OPTIONS");
  });
});

describe("handler: CORS", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ CORS_ALLOWED_ORIGINS: "https://app.example.com, https://b.example" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  const origin = (o: string) => ({ headers: { Origin: o, "Content-Type": "application/json" } });

  it("allows a listed origin on streams and on errors", async () => {
    const ok = await answer(
      h.host,
      invokeEvent({ prompt: "hi" }, origin("https://app.example.com")),
    );
    const bad = await answer(h.host, invokeEvent({}, origin("https://b.example")));
    for (const [r, o] of [
      [ok, "https://app.example.com"],
      [bad, "https://b.example"],
    ] as const) {
      assert.equal(r.headers["access-control-allow-origin"], o);
      assert.equal(r.headers["vary"], "Origin");
      assert.equal(r.headers["access-control-expose-headers"], "X-Session-Id");
    }
    assert.equal(ok.status, 200);
    assert.equal(bad.status, 400);
  });

  it("does not allow other origins", async () => {
    const r = await answer(h.host, invokeEvent({ prompt: "hi" }, origin("https://evil.example")));
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal(r.headers["vary"], "Origin");
  });

  it("answers a preflight", async () => {
    const r = await answer(
      h.host,
      buildProxyEvent({
        method: "OPTIONS",
        path: "/invoke",
        headers: { origin: "https://b.example" },
      }),
    );
    assert.equal(r.status, 204);
    assert.equal(r.text, "");
    assert.equal(r.headers["access-control-allow-origin"], "https://b.example");
    assert.match(r.headers["access-control-allow-methods"], /POST/);
  });

  it("echoes any origin when * is allowed", async () => {
    const host = h.load({ CORS_ALLOWED_ORIGINS: "*" });
    const r = await answer(host, invokeEvent({ prompt: "hi" }, origin("https://any.example")));
    assert.equal(r.headers["access-control-allow-origin"], "https://any.example");
  });

  it("adds no CORS headers when CORS is not configured", async () => {
    const host = h.load({ CORS_ALLOWED_ORIGINS: "" });
    const r = await answer(host, invokeEvent({ prompt: "hi" }, origin("https://app.example.com")));
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    assert.equal(r.headers["vary"], undefined);
  });
});
