// Stopping an answer, at the wire: the built agent bundle as a child process, and a ConverseStream
// stand-in that keeps sending tokens (no pause for the agent to act in), so a test passes only if
// the agent resets the model's HTTP/2 stream itself while tokens are flowing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import type { AgentProcess } from "./support/agent-process.js";
import { agentWithModel } from "./support/agent-with-model.js";
import {
  BedrockStandin,
  endlessAnswer,
  gate,
  textAnswer,
  toolUseAnswer,
  type RecordedRequest,
  userTexts,
} from "./support/bedrock-standin.js";
import {
  invoke,
  texts,
  waitForPing,
  type InvocationStream,
  type SseEvent,
} from "./support/sse-client.js";

/** How soon after the cancel (or the disconnect) the model's stream must be reset. */
const RESET_WITHIN_MS = 1_000;

/** A model that would keep streaming for minutes, with no pause between tokens. */
const ENDLESS = endlessAnswer(0);

function newSession(): string {
  return `cancel-session-${randomUUID()}`;
}

/** Reads `count` text events, so the test acts while tokens are flowing. */
async function readTexts(stream: InvocationStream, count: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  while (events.filter((event) => event.event === "text").length < count) {
    const event = await stream.next();
    assert.ok(event, "the stream ended before the test acted");
    events.push(event);
  }
  return events;
}

describe("cancel and disconnect (built bundle, a model that keeps streaming)", function () {
  const fixture = agentWithModel();
  let standin: BedrockStandin;
  let agent: AgentProcess;
  before(function () {
    ({ standin, agent } = fixture);
  });

  async function cancel(sessionId: string): Promise<{ status: number; body: unknown }> {
    const response = await invoke(
      agent.baseUrl,
      { cancel: true },
      { sessionId, accept: "application/json" },
    );
    return { status: response.status, body: await response.json() };
  }

  /**
   * The model request's reset, measured from `since`; fails unless the client reset it, with
   * RST_STREAM CANCEL (the AWS SDK aborting the request), not a dropped connection.
   */
  async function resetAfter(request: RecordedRequest, since: number): Promise<number> {
    assert.equal(await request.settled, "aborted", "the model finished: nothing reset its stream");
    assert.equal(request.rstCode, http2.constants.NGHTTP2_CANCEL, "reset with RST_STREAM CANCEL");
    return request.closedAt! - since;
  }

  it("resets the model's stream within 1 s while tokens flow, and ends the answer with done/cancelled", async function () {
    const session = newSession();
    standin.enqueue(ENDLESS);
    const stream = await invoke(agent.baseUrl, { prompt: "Count forever" }, { sessionId: session });
    const before = await readTexts(stream, 5);
    const [request] = await standin.waitForRequests(1);

    const sentAt = Date.now();
    // Never refused as busy, though the session is answering.
    const answer = await cancel(session);
    assert.deepEqual(answer, { status: 200, body: { cancelled: true } });

    const resetMs = await resetAfter(request!, sentAt);
    assert.ok(resetMs < RESET_WITHIN_MS, `the model's stream was reset after ${resetMs} ms`);
    const rest = await stream.rest();
    assert.deepEqual(rest.at(-1), { event: "done", data: { stopReason: "cancelled" } });
    assert.ok(
      rest.slice(0, -1).every((event) => event.event === "text"),
      `only text before the end: ${JSON.stringify(rest.map((e) => e.event))}`,
    );
    assert.ok(texts([...before, ...rest]).startsWith(" token token"));
    await waitForPing(agent.baseUrl, "Healthy");
  });

  it("keeps the session: the next turn sees earlier turns, the cancelled question and the part of the answer that was sent", async function () {
    const session = newSession();
    standin.enqueue(textAnswer("First answer."), ENDLESS, textAnswer("Third answer."));
    await (await invoke(agent.baseUrl, { prompt: "First" }, { sessionId: session })).rest();

    const second = await invoke(agent.baseUrl, { prompt: "Second" }, { sessionId: session });
    const seen = await readTexts(second, 3);
    assert.equal((await cancel(session)).status, 200);
    seen.push(...(await second.rest()));
    assert.equal(seen.at(-1)?.event, "done");

    const third = await (
      await invoke(agent.baseUrl, { prompt: "Third" }, { sessionId: session })
    ).rest();
    assert.equal(third.at(-1)?.event, "done");
    const requests = await standin.waitForRequests(3);
    const messages = requests[2]!.messages;
    assert.deepEqual(
      messages.map((message) => message.role),
      ["user", "assistant", "user", "assistant", "user"],
    );
    assert.deepEqual(userTexts(requests[2]!), ["First", "Second", "Third"]);
    // Exactly what the client was sent of the cancelled answer, no more and no less.
    assert.deepEqual(messages[3]!.content, [{ text: texts(seen) }]);
    assert.ok(texts(seen).length > 0);
  });

  it("drops a turn cancelled before any text was sent", async function () {
    const session = newSession();
    const never = gate();
    standin.enqueue({ steps: [{ gate: never }, { text: "never sent" }] }, textAnswer("Fine."));
    // The runtime sends the response headers with the first event: read in the background.
    const pending = invoke(agent.baseUrl, { prompt: "Slow start" }, { sessionId: session }).then(
      (stream) => stream.rest(),
    );
    const [request] = await standin.waitForRequests(1);
    const sentAt = Date.now();
    assert.deepEqual(await cancel(session), { status: 200, body: { cancelled: true } });
    const resetMs = await resetAfter(request!, sentAt);
    assert.ok(resetMs < RESET_WITHIN_MS, `the model's stream was reset after ${resetMs} ms`);
    assert.deepEqual(await pending, [{ event: "done", data: { stopReason: "cancelled" } }]);

    await (await invoke(agent.baseUrl, { prompt: "Again" }, { sessionId: session })).rest();
    const [, next] = await standin.waitForRequests(2);
    assert.deepEqual(userTexts(next!), ["Again"]);
  });

  it("reports the usage of the model calls that finished before the cancel", async function () {
    const session = newSession();
    standin.enqueue(
      toolUseAnswer(
        { name: "current_time", input: { timezone: "UTC" } },
        { text: "Checking.", usage: { inputTokens: 11, outputTokens: 7 } },
      ),
      ENDLESS,
    );
    const stream = await invoke(agent.baseUrl, { prompt: "Time?" }, { sessionId: session });
    const seen: SseEvent[] = [];
    // Through the tool round trip, into the second model call's tokens.
    while (!seen.some((event) => event.event === "text" && texts([event]) === " token")) {
      const event = await stream.next();
      assert.ok(event, "the stream ended before the second model call streamed");
      seen.push(event);
    }
    assert.equal((await cancel(session)).status, 200);
    const rest = await stream.rest();
    assert.deepEqual(rest.at(-1), {
      event: "done",
      data: {
        stopReason: "cancelled",
        usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 },
      },
    });
  });

  it("answers cancelled: false when no answer is running, and the session is unharmed", async function () {
    const session = newSession();
    assert.deepEqual(await cancel(session), { status: 200, body: { cancelled: false } });
    standin.enqueue(textAnswer("Done."));
    const events = await (
      await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: session })
    ).rest();
    assert.equal(events.at(-1)?.event, "done");
    assert.deepEqual(await cancel(session), { status: 200, body: { cancelled: false } });
  });

  it("cancels only its own session", async function () {
    const mine = newSession();
    standin.enqueue(ENDLESS);
    const stream = await invoke(agent.baseUrl, { prompt: "Mine" }, { sessionId: mine });
    await readTexts(stream, 2);
    assert.deepEqual(await cancel(newSession()), { status: 200, body: { cancelled: false } });
    // Still streaming: more tokens arrive after the other session's cancel.
    await readTexts(stream, 5);
    assert.equal(standin.requests[0]!.state, "streaming");
    await cancel(mine);
    await stream.rest();
  });

  it("refuses a cancel that is not {cancel: true} with a 400 JSON error", async function () {
    const response = await invoke(
      agent.baseUrl,
      { cancel: "yes" },
      { sessionId: newSession(), accept: "application/json" },
    );
    assert.equal(response.status, 400);
    const body = (await response.json()) as { code: string; message: string };
    assert.equal(body.code, "validation");
    assert.match(body.message, /Send \{"cancel": true\}/);
  });

  it("resets the model's stream within 1 s when the client disconnects while tokens flow", async function () {
    const session = newSession();
    standin.enqueue(ENDLESS, textAnswer("Next."));
    const stream = await invoke(agent.baseUrl, { prompt: "Leave early" }, { sessionId: session });
    await readTexts(stream, 5);
    const [request] = await standin.waitForRequests(1);
    const closedAt = Date.now();
    stream.close();

    const resetMs = await resetAfter(request!, closedAt);
    assert.ok(resetMs < RESET_WITHIN_MS, `the model's stream was reset after ${resetMs} ms`);
    await waitForPing(agent.baseUrl, "Healthy");
    // The session takes its next turn (not busy).
    const next = await (
      await invoke(agent.baseUrl, { prompt: "Back" }, { sessionId: session })
    ).rest();
    assert.equal(next.at(-1)?.event, "done");
  });
});
