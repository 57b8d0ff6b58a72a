// The stand-in's deterministic default answer (the local stack's offline model), through the
// built agent: a friendly word-by-word reply that echoes the prompt, and a tool round trip when
// the prompt asks for the time.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { agentEnv, startAgent, type AgentProcess } from "./support/agent-process.js";
import { BedrockStandin, guessTimeZone, words } from "./support/bedrock-standin.js";
import { invoke, type SseEvent } from "./support/sse-client.js";

function texts(events: SseEvent[]): string[] {
  return events
    .filter((event) => event.event === "text")
    .map((event) => (event.data as { text: string }).text);
}

describe("stand-in default answers through the agent", function () {
  let standin: BedrockStandin;
  let agent: AgentProcess;

  before(async function () {
    standin = await BedrockStandin.start({ unscripted: "default-answer", wordDelayMs: 1 });
    agent = await startAgent(agentEnv(standin.endpoint));
  });

  beforeEach(function () {
    standin.reset(); // keeps the default-answer mode, restarts the request count
  });

  after(async function () {
    await agent?.stop();
    await standin?.close();
  });

  it("streams a fixed, friendly reply word by word that echoes the prompt", async function () {
    const prompt = "Tell me   about\nstreaming agents";
    const first = await (
      await invoke(agent.baseUrl, { prompt }, { sessionId: randomUUID() })
    ).rest();
    const second = await (
      await invoke(agent.baseUrl, { prompt }, { sessionId: randomUUID() })
    ).rest();
    const deltas = texts(first);
    assert.ok(deltas.length > 20, "one event per word");
    const reply = deltas.join("");
    assert.match(reply, /You said: "Tell me about streaming agents"/);
    assert.ok(reply.split(/(?<=[.!?])\s/).length >= 3, "several sentences");
    assert.deepEqual(texts(second), deltas, "deterministic");
    assert.equal(first.at(-1)?.event, "done");
  });

  it("answers a question about the time with a tool round trip", async function () {
    const events = await (
      await invoke(
        agent.baseUrl,
        { prompt: "What time is it in Tokyo?" },
        { sessionId: randomUUID() },
      )
    ).rest();
    const tools = events.filter((event) => event.event === "tool").map((event) => event.data);
    assert.deepEqual(tools, [
      {
        phase: "start",
        toolUseId: "tooluse_standin_0",
        name: "current_time",
        input: { timezone: "Asia/Tokyo" },
      },
      { phase: "result", toolUseId: "tooluse_standin_0", name: "current_time", status: "success" },
    ]);
    assert.match(texts(events).join(""), /^Let me look at the clock\.It is .+ in Asia\/Tokyo\. /);
    assert.equal(events.at(-1)?.event, "done");
  });

  it("splits text into deltas that join back to the text, and finds time zones", function () {
    assert.deepEqual(words("Hello  big\nworld"), ["Hello", "  big", "\nworld"]);
    assert.equal(guessTimeZone("time in America/New_York please"), "America/New_York");
    assert.equal(guessTimeZone("what time is it in new york"), "America/New_York");
    assert.equal(guessTimeZone("what time is it"), "UTC");
  });
});
