import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import { endlessAnswer, type RecordedRequest } from "../../agent/test/support/bedrock-standin";
import { startDevStack, type DevStack, type ProxyInvocation } from "../../local/dev-stack";
import { ricAvailable, type RicHost } from "../../local/ric-host";
import { SseStream, within } from "../support/sse-stream";

/**
 * Stopping an answer as it works in AWS, through the whole local chain: the proxy bundle under
 * the genuine runtime interface client (one execution environment per concurrent call, as in
 * Lambda), behind the local API Gateway, which, as Lambda, never tells the function that its
 * client left; the AgentCore stand-in, which does not pass a caller's disconnect on either; the
 * agent bundle; and a model that keeps streaming. Only an explicit cancel stops the answer.
 */

/** How soon after the cancel request the model's stream is reset and the invocation ends. */
const WITHIN_MS = 1_000;
/** A model that would stream for minutes: a token every 5 ms. */
const ENDLESS = endlessAnswer(5);
const OTHER_CALLER_KEY = "another-callers-key";

const availability = ricAvailable();

describe("e2e: stopping an answer (proxy under the genuine runtime interface client)", function () {
  this.timeout(60_000);
  let stack: DevStack;

  before(async function () {
    if (!availability.ok) {
      if (process.env.CI) {
        throw new Error(`the runtime interface client must run in CI: ${availability.reason}`);
      }
      console.log(`    skipped: ${availability.reason}`);
      this.skip();
    }
    stack = await startDevStack({
      handlerOutdir: path.join(os.tmpdir(), `agentcore-stream-cancel-${process.pid}`),
      proxyLogLevel: "SILENT",
      lambdaHost: "ric",
      otherApiKeys: [OTHER_CALLER_KEY],
    });
  });

  after(async () => {
    await stack?.stop();
  });

  function invoke(prompt: string, sessionId: string, signal?: AbortSignal) {
    return fetch(`${stack.gatewayUrl}/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": stack.apiKey },
      body: JSON.stringify({ prompt, sessionId }),
      signal,
    });
  }

  async function cancel(sessionId: string, key = stack.apiKey) {
    const res = await fetch(`${stack.gatewayUrl}/sessions/${sessionId}/cancel`, {
      method: "POST",
      headers: { "x-api-key": key },
    });
    return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
  }

  /** Starts an endless answer and waits until its tokens flow. */
  async function streaming(sessionId: string, signal?: AbortSignal) {
    stack.bedrock!.enqueue(ENDLESS);
    const models = stack.bedrock!.requests.length;
    const invocations = stack.invocations.length;
    const sse = new SseStream(await invoke("Count for a long time", sessionId, signal));
    await sse.waitFor(() => sse.events.filter((e) => e.event === "text").length >= 3);
    const [model] = (await stack.bedrock!.waitForRequests(models + 1)).slice(models);
    return { sse, model: model!, invocation: stack.invocations[invocations]! };
  }

  /** Resolves once the model has sent `more` frames beyond what it had sent so far. */
  async function keepsStreaming(model: RecordedRequest, more = 20): Promise<void> {
    const target = model.framesSent + more;
    await within(
      (async () => {
        while (model.framesSent < target) {
          if (model.state !== "streaming") throw new Error(`the model's stream ${model.state}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      20_000,
      "the model stopped streaming",
    );
  }

  function isRunning(invocation: ProxyInvocation): Promise<boolean> {
    let over = false;
    void invocation.ended.then(() => (over = true));
    return new Promise((resolve) => setImmediate(() => resolve(!over)));
  }

  function newSession(): string {
    return `cancel-e2e-${randomUUID()}`;
  }

  it("runs two execution environments for the answer and its cancel, as Lambda does for concurrent calls", async () => {
    const session = newSession();
    const { sse, invocation } = await streaming(session);
    assert.deepEqual(await cancel(session), {
      status: 200,
      type: "application/json; charset=utf-8",
      body: { cancelled: true },
    });
    await within(invocation.ended, 10_000, "the answer's invocation never ended");
    await sse.ended;
    assert.ok((stack.proxy as RicHost).environments().length >= 2);
  });

  it("keeps streaming, and the function keeps running, when the client is gone", async () => {
    const session = newSession();
    const client = new AbortController();
    const { sse, model, invocation } = await streaming(session, client.signal);
    client.abort();
    await sse.ended.catch(() => undefined);

    // Nothing told the function or the agent: the model goes on generating for nobody.
    await keepsStreaming(model);
    assert.equal(await isRunning(invocation), true, "the function's invocation ended");
    assert.equal(model.state, "streaming");

    // The page's Stop after all: the same session, from the same caller.
    assert.deepEqual((await cancel(session)).body, { cancelled: true });
    await within(invocation.ended, 10_000, "the invocation never ended");
  });

  it("a cancel from the same caller resets the model's stream and ends the function's invocation within 1 s", async () => {
    const session = newSession();
    const { sse, model, invocation } = await streaming(session);

    const sentAt = Date.now();
    const answer = await cancel(session);
    assert.deepEqual(answer.body, { cancelled: true });
    assert.equal(await within(model.settled, 10_000, "the model was never stopped"), "aborted");
    const ended = await within(invocation.ended, 10_000, "the invocation never ended");
    const resetMs = model.closedAt! - sentAt;
    const endedMs = ended.endedAt - sentAt;
    assert.ok(resetMs < WITHIN_MS, `the model's stream was reset ${resetMs} ms after the cancel`);
    assert.ok(endedMs < WITHIN_MS, `the invocation ended ${endedMs} ms after the cancel`);
    assert.equal(ended.timedOut, false);
    assert.equal(ended.error, undefined);

    // The client got the end of the answer, as a client of the deployed API does.
    await within(sse.ended, 10_000, "the client's stream never ended");
    assert.deepEqual(sse.events.at(-1), { event: "done", data: { stopReason: "cancelled" } });

    // The session goes on, and remembers the part of the answer that was shown.
    const models = stack.bedrock!.requests.length;
    const next = new SseStream(await invoke("And now?", session));
    await within(next.ended, 20_000, "the follow-up never ended");
    assert.equal(next.events.at(-1)?.event, "done");
    const followUp = stack.bedrock!.requests[models]!;
    assert.deepEqual(
      followUp.messages.map((m) => m.role),
      ["user", "assistant", "user"],
    );
    assert.deepEqual(followUp.messages[1]!.content, [{ text: sse.text }]);
  });

  it("another caller's cancel of the same session id does not reach the answer", async () => {
    const session = newSession();
    const { sse, model, invocation } = await streaming(session);

    // The other caller's id is scoped to a runtime session of its own: nothing runs there.
    assert.deepEqual(await cancel(session, OTHER_CALLER_KEY), {
      status: 200,
      type: "application/json; charset=utf-8",
      body: { cancelled: false },
    });
    await keepsStreaming(model);
    assert.equal(await isRunning(invocation), true);
    const cancels = stack.agentcore.requests.filter(
      (r) => r.operation === "InvokeAgentRuntime" && r.body.toString() === '{"cancel":true}',
    );
    const invokes = stack.agentcore.requests.filter(
      (r) => r.operation === "InvokeAgentRuntime" && r.body.toString() !== '{"cancel":true}',
    );
    assert.notEqual(cancels.at(-1)!.sessionId, invokes.at(-1)!.sessionId);

    assert.deepEqual((await cancel(session)).body, { cancelled: true });
    await within(sse.ended, 10_000, "the stream never ended");
  });

  it("answers a malformed session id with a 400 JSON error, and sends nothing upstream", async () => {
    const before = stack.agentcore.requests.length;
    for (const bad of ["short", "has%20space-000000000000000000000000000000"]) {
      const res = await cancel(bad);
      assert.equal(res.status, 400, JSON.stringify(res));
      assert.match(res.type ?? "", /^application\/json/);
      assert.equal((res.body as { error: { code: string } }).error.code, "validation");
    }
    assert.equal(stack.agentcore.requests.length, before);
  });
});
