import * as assert from "node:assert/strict";
import { sseEvent } from "../../local/agentcore-standin";
import { BodyReader, call, gate, invokeEvent, startHarness, within, type Harness } from "./helpers";

/**
 * A client that goes away must stop the agent at once: the Lambda (and the agent) would
 * otherwise run, and bill, to the end. Whether the runtime tells the handler is not documented,
 * so both cases are covered: the response stream closes, or only the next write fails.
 */
describe("handler: client disconnect", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ HEARTBEAT_MS: "60000" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("aborts the upstream call when the response stream closes mid-answer", async () => {
    const first = sseEvent("text", { text: "first" });
    h.standin.onInvoke({ body: [first, { delayMs: 60_000 }] });
    const { invocation, response } = call(h.host, invokeEvent({ prompt: "long" }));
    const reader = new BodyReader((await response).body);
    await reader.waitFor(first);

    invocation.disconnect("close");
    const upstream = h.standin.requests[0];
    await within(upstream.whenAborted, 5_000, "the agent's request was not aborted");
    assert.equal(await upstream.settled, "aborted");
    const result = await within(invocation.result, 5_000, "the handler kept running");
    assert.equal(result.timedOut, false);
    assert.ok(result.handlerSettledAt !== undefined);
  });

  it("aborts the upstream call on the first failed write when no close is reported", async () => {
    const first = sseEvent("text", { text: "first" });
    const next = gate();
    h.standin.onInvoke({
      body: [
        first,
        { waitFor: next.promise },
        sseEvent("text", { text: "second" }),
        { delayMs: 60_000 },
      ],
    });
    const { invocation, response } = call(h.host, invokeEvent({ prompt: "long" }));
    const reader = new BodyReader((await response).body);
    await reader.waitFor(first);

    invocation.disconnect("silent");
    next.open(); // the agent produces more; writing it fails
    const upstream = h.standin.requests[0];
    await within(upstream.whenAborted, 5_000, "the agent's request was not aborted");
    const result = await within(invocation.result, 5_000, "the handler kept running");
    assert.equal(result.timedOut, false);
  });

  it("aborts the upstream call when the client leaves before the agent answers", async () => {
    h.standin.onInvoke({ hang: true });
    const invocation = h.host.invoke(invokeEvent({ prompt: "wait" }), { deadlineMs: 30_000 });
    const upstream = await within(h.standin.waitForRequest(1), 5_000, "no upstream call");
    invocation.disconnect("close");
    await within(upstream.whenAborted, 5_000, "the agent's request was not aborted");
    const result = await within(invocation.result, 5_000, "the handler kept running");
    assert.equal(result.timedOut, false);
  });
});
