import { strict as assert } from "node:assert";
import {
  BedrockAgentCoreClient,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import { agentRuntimeDataPlane, RuntimeSessions } from "../../local/agentcore-forward";
import { AgentCoreStandin } from "../../local/agentcore-standin";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RUNTIME_ARN } from "../../local/dev-stack";

/**
 * The local data plane's session lifecycle: StopRuntimeSession ends a session (AgentCore ends its
 * microVM), so the agent must see the next turn with that id as a session it has never had.
 */
describe("local AgentCore data plane: runtime sessions", () => {
  const ID = "a".repeat(40);

  it("forwards a session under its own id until it is stopped", () => {
    const sessions = new RuntimeSessions();
    assert.equal(sessions.start(ID), ID);
    assert.equal(sessions.start(ID), ID, "a running session keeps its agent-side id");
    assert.equal(sessions.stop(ID), true);
    assert.equal(sessions.stop(ID), false, "a stopped session is not running");
  });

  it("gives a restarted session an id the agent has never seen, within AgentCore's 256", () => {
    const sessions = new RuntimeSessions();
    const long = "b".repeat(256);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const agentId = sessions.start(long);
      assert.ok(!seen.has(agentId), `generation ${i} reused ${agentId}`);
      assert.ok(agentId.length <= 256);
      seen.add(agentId);
      sessions.stop(long);
    }
    assert.equal(sessions.stop("c".repeat(40)), false, "never started");
  });

  it("answers StopRuntimeSession for a session that is not running with ResourceNotFoundException", async () => {
    const standin = await AgentCoreStandin.start({ port: 0 });
    try {
      const plane = agentRuntimeDataPlane({
        agentUrl: "http://127.0.0.1:9", // never called: nothing is invoked here
        credentials: LOCAL_CREDENTIALS,
        region: LOCAL_REGION,
      });
      standin.onInvoke(plane.invoke).onStop(plane.stop);
      const client = new BedrockAgentCoreClient({
        region: LOCAL_REGION,
        endpoint: standin.url,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      });
      await assert.rejects(
        client.send(
          new StopRuntimeSessionCommand({
            agentRuntimeArn: LOCAL_RUNTIME_ARN,
            runtimeSessionId: ID,
          }),
        ),
        (err: Error) => err.name === "ResourceNotFoundException",
      );
      client.destroy();
    } finally {
      await standin.close();
    }
  });
});
