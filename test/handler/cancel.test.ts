import * as assert from "node:assert/strict";
import { sseEvent, type Responder } from "../../local/agentcore-standin";
import { buildProxyEvent, type ProxyEventInit } from "../../local/apigw-decode";
import {
  answer,
  assertNoLeak,
  BodyReader,
  call,
  deferred,
  invokeEvent,
  parseSse,
  RUNTIME_ARN,
  startHarness,
  within,
  type Harness,
} from "./helpers";

/**
 * POST /sessions/{sessionId}/cancel and the cancel the proxy sends when its own deadline fires,
 * at the AgentCore wire: the built bundle in the Lambda host, the real SDK client signing requests
 * to the AgentCore stand-in, which plays an agent that understands `{"cancel": true}`.
 */

const SESSION = "cancel-client-session-0123456789abcdef";
const ALICE: Partial<ProxyEventInit> = { authorizer: { claims: { sub: "alice-sub" } } };
const BOB: Partial<ProxyEventInit> = { authorizer: { claims: { sub: "bob-sub" } } };

function cancelEvent(sessionId: string, init: Partial<ProxyEventInit> = {}) {
  return buildProxyEvent({
    method: "POST",
    path: `/sessions/${encodeURIComponent(sessionId)}/cancel`,
    headers: { Origin: "https://app.example.com" },
    ...init,
  });
}

const isCancel = (body: Buffer) => body.toString("utf8") === '{"cancel":true}';

/** An agent: answers a cancel with `cancelled`, and a prompt with `prompt`. */
function agent(cancelled: boolean, prompt: Responder = async (ctl) => ctl.end()): Responder {
  return async (ctl) => {
    if (!isCancel(ctl.request.body)) return prompt(ctl);
    ctl.start({ status: 200, contentType: "application/json" });
    await ctl.end(JSON.stringify({ cancelled }));
  };
}

describe("handler: POST /sessions/{sessionId}/cancel", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ CORS_ALLOWED_ORIGINS: "https://app.example.com" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("sends the control payload to the caller's own runtime session and answers 200 JSON", async () => {
    h.standin.onInvoke(agent(true));
    // The runtime session an invoke of this caller and client session reaches.
    await answer(h.host, invokeEvent({ prompt: "hi", sessionId: SESSION }, ALICE));
    const invoked = h.standin.requests.at(-1)!;

    const r = await answer(h.host, cancelEvent(SESSION, ALICE));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { cancelled: true });
    assert.match(r.headers["content-type"], /^application\/json/);
    assert.equal(r.headers["x-session-id"], SESSION);
    assert.equal(r.headers["access-control-allow-origin"], "https://app.example.com");

    const sent = h.standin.requests.at(-1)!;
    assert.equal(sent.operation, "InvokeAgentRuntime");
    assert.equal(sent.agentRuntimeArn, RUNTIME_ARN);
    assert.ok(isCancel(sent.body), sent.body.toString());
    assert.equal(sent.headers.accept, "application/json");
    assert.equal(sent.headers["content-type"], "application/json");
    assert.equal(sent.sessionId, invoked.sessionId);
    assert.equal(sent.userId, "cognito:alice-sub");
  });

  it("says so when nothing was running", async () => {
    h.standin.onInvoke(agent(false));
    const r = await answer(h.host, cancelEvent(SESSION, ALICE));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { cancelled: false });
  });

  it("scopes the id to the caller: another caller's cancel names another runtime session", async () => {
    h.standin.onInvoke(agent(false));
    await answer(h.host, cancelEvent(SESSION, ALICE));
    await answer(h.host, cancelEvent(SESSION, BOB));
    const [alice, bob] = h.standin.requests.slice(-2);
    assert.notEqual(alice!.sessionId, bob!.sessionId);
    assert.equal(bob!.userId, "cognito:bob-sub");
  });

  for (const [name, id] of [
    ["too short", "short"],
    ["with a character outside the rule", `${"a".repeat(40)}.x`],
    ["not URL-decodable", "%E0%A4%A"],
  ]) {
    it(`answers 400 JSON for a session id ${name}, and sends nothing upstream`, async () => {
      const before = h.standin.requests.length;
      const event = cancelEvent("placeholder", ALICE);
      event.path = `/sessions/${id}/cancel`;
      event.resource = "/{proxy+}";
      event.pathParameters = null;
      const r = await answer(h.host, event);
      assert.equal(r.status, 400);
      assert.equal((r.json as { error: { code: string } }).error.code, "validation");
      assert.equal(h.standin.requests.length, before);
    });
  }

  it("answers 405 with Allow for another method", async () => {
    const r = await answer(h.host, { ...cancelEvent(SESSION, ALICE), httpMethod: "GET" });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "POST, OPTIONS");
  });

  for (const [type, status, code] of [
    ["ThrottlingException", 429, "throttled"],
    ["AccessDeniedException", 502, "upstream"],
    ["ResourceNotFoundException", 502, "upstream"],
    ["RuntimeClientError", 502, "upstream"],
    ["RetryableConflictException", 409, "busy"],
  ] as const) {
    it(`maps ${type} as the other routes do: ${status} ${code}`, async () => {
      h.standin.onInvoke({ error: { type, message: `${RUNTIME_ARN} said no` } });
      const r = await answer(h.host, cancelEvent(SESSION, ALICE));
      assert.equal(r.status, status);
      assert.equal((r.json as { error: { code: string } }).error.code, code);
      assertNoLeak(r.text);
    });
  }

  it("answers 502 when the agent's answer is not {cancelled: boolean}", async () => {
    h.standin.onInvoke({ contentType: "text/event-stream", body: [sseEvent("text", {})] });
    const r = await answer(h.host, cancelEvent(SESSION, ALICE));
    assert.equal(r.status, 502);
    assert.equal((r.json as { error: { code: string } }).error.code, "upstream");
  });
});

describe("handler: the deadline also cancels the answer in the agent", function () {
  let h: Harness;
  before(async () => {
    // The deployed margin (3 s) with a 6 s invocation: the deadline fires at 3 s and the cancel
    // (0.3 s here) has 2.7 s to spare before the host's own timeout, even on a loaded machine.
    h = await startHarness({ DEADLINE_MARGIN_MS: "3000" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("sends the cancel to the same runtime session, then ends the stream with the deadline error", async () => {
    const first = sseEvent("text", { text: "partial" });
    let cancelAnsweredAt: number | undefined;
    const stopped = deferred<void>();
    h.standin.onInvoke(async (ctl) => {
      if (isCancel(ctl.request.body)) {
        // A slow answer: Lambda freezes the environment once the handler returns, so the proxy
        // must not end before the cancel is through, or the cancel may never leave.
        await ctl.delay(300);
        ctl.start({ status: 200, contentType: "application/json" });
        await ctl.end(JSON.stringify({ cancelled: true }));
        cancelAnsweredAt = Date.now();
        stopped.resolve();
        return;
      }
      // An agent that streams until it is cancelled; AgentCore need not tell it that the proxy
      // went away.
      ctl.start({ contentType: "text/event-stream" });
      await ctl.write(first);
      await stopped.promise;
    });
    const { invocation, response } = call(
      h.host,
      invokeEvent({ prompt: "long", sessionId: SESSION }, ALICE),
      { deadlineMs: 6_000 },
    );
    const reader = new BodyReader((await response).body);
    await reader.waitFor("partial");
    await within(reader.ended, 10_000, "the stream never ended");
    const endedAt = Date.now();

    const [invoked, cancel] = h.standin.requests;
    assert.ok(cancel && isCancel(cancel.body), "no cancel was sent at the deadline");
    assert.equal(cancel.sessionId, invoked!.sessionId);
    assert.equal(cancel.userId, "cognito:alice-sub");
    assert.ok(cancelAnsweredAt !== undefined && cancelAnsweredAt <= endedAt, "ended first");
    const events = parseSse(reader.text);
    assert.equal(events.at(-1)?.event, "error");
    assert.equal(JSON.parse(events.at(-1)!.data).code, "deadline");
    const result = await invocation.result;
    assert.equal(result.timedOut, false);
  });
});
