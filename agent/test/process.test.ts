// The built agent as a process: the MAX_SESSIONS bound (least recently used sessions go first),
// the listening address, the body size limit, and shutdown.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { networkInterfaces } from "node:os";
import { agentEnv, startAgent, type AgentProcess } from "./support/agent-process.js";
import { BedrockStandin, textAnswer } from "./support/bedrock-standin.js";
import { SESSION_HEADER } from "../src/runtime-headers.js";
import { invoke } from "./support/sse-client.js";

describe("agent process", function () {
  let standin: BedrockStandin;
  let agent: AgentProcess;

  before(async function () {
    standin = await BedrockStandin.start();
    agent = await startAgent(agentEnv(standin.endpoint, { MAX_SESSIONS: "2" }));
  });

  after(async function () {
    await agent?.stop();
    await standin?.close();
  });

  async function turn(sessionId: string, prompt: string): Promise<number> {
    standin.enqueue(textAnswer("OK."));
    const events = await (await invoke(agent.baseUrl, { prompt }, { sessionId })).rest();
    assert.equal(events.at(-1)?.event, "done");
    const requests = await standin.waitForRequests(standin.requests.length);
    return requests.at(-1)!.messages.length;
  }

  it("forgets the least recently used session beyond the bound", async function () {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal(await turn(a, "a1"), 1);
    assert.equal(await turn(b, "b1"), 1);
    assert.equal(await turn(a, "a2"), 3, "a remembers its first turn");
    assert.equal(await turn(c, "c1"), 1); // evicts b, the least recently used
    assert.equal(await turn(a, "a3"), 5, "a is still remembered");
    assert.equal(await turn(b, "b2"), 1, "b was forgotten and starts afresh");
  });

  it("listens on every interface (0.0.0.0), not only loopback", async function () {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === "IPv4" && !address.internal);
    if (external === undefined) {
      const reason = "this machine has no non-loopback IPv4 address to reach the agent on";
      // CI machines have one: there, a missing address is a setup failure, not a pass.
      if (process.env.CI) throw new Error(`${reason}; with CI set this test must run`);
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
    const response = await fetch(`http://${external!.address}:${agent.port}/ping`);
    assert.equal(response.status, 200);
  });

  it("answers 413 with a JSON error to a body over Fastify's 1 MiB limit", async function () {
    const response = await fetch(`${agent.baseUrl}/invocations`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        [SESSION_HEADER]: randomUUID(),
      },
      body: JSON.stringify({ prompt: "x".repeat(1_100_000) }),
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { statusCode: number }).statusCode, 413);
  });

  it("exits cleanly and promptly on SIGTERM (node is PID 1 in the container)", async function () {
    assert.equal(await agent.stop(), 0);
  });
});
