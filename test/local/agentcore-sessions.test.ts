import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import { agentRuntimeDataPlane, RuntimeSessions } from "../../local/agentcore-forward";
import { AgentCoreStandin } from "../../local/agentcore-standin";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RUNTIME_ARN } from "../../local/dev-stack";

/**
 * The local data plane's session lifecycle: StopRuntimeSession ends a session (AgentCore ends its
 * microVM), so the agent must see the next turn with that id as a session it has never had; and
 * every invocation of a running session reaches the same agent, even while another streams.
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

  it("routes a second invocation of a session that is still streaming to the same agent, and never tells the agent that a caller left", async () => {
    // A stand-in agent: the first answer streams until the test releases it; the second is JSON.
    const seen: { sessionId: string; accept: string; body: string }[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstClosedEarly!: (early: boolean) => void;
    const firstClosed = new Promise<boolean>((resolve) => (firstClosedEarly = resolve));
    const agent = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push({
          sessionId: String(req.headers["x-amzn-bedrock-agentcore-runtime-session-id"]),
          accept: String(req.headers.accept),
          body,
        });
        if (body.includes("cancel")) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"cancelled":true}');
          return;
        }
        res.once("close", () => firstClosedEarly(!res.writableFinished));
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write('event: text\ndata: {"text":"one"}\n\n');
        void released.then(() => res.end('event: done\ndata: {"stopReason":"endTurn"}\n\n'));
      });
    });
    await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", () => resolve()));
    const standin = await AgentCoreStandin.start({ port: 0 });
    const client = new BedrockAgentCoreClient({
      region: LOCAL_REGION,
      endpoint: standin.url,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const plane = agentRuntimeDataPlane({
        agentUrl: `http://127.0.0.1:${(agent.address() as AddressInfo).port}`,
        credentials: LOCAL_CREDENTIALS,
        region: LOCAL_REGION,
      });
      standin.onInvoke(plane.invoke).onStop(plane.stop);
      const invoke = (payload: unknown, accept: string, abortSignal?: AbortSignal) =>
        client.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: LOCAL_RUNTIME_ARN,
            runtimeSessionId: ID,
            accept,
            contentType: "application/json",
            payload: Buffer.from(JSON.stringify(payload)),
          }),
          { abortSignal },
        );

      const caller = new AbortController();
      const streaming = await invoke({ prompt: "long" }, "text/event-stream", caller.signal);
      for await (const chunk of streaming.response as AsyncIterable<Uint8Array>) {
        assert.match(Buffer.from(chunk).toString(), /"one"/);
        break;
      }
      const control = await invoke({ cancel: true }, "application/json");
      assert.equal(await control.response!.transformToString(), '{"cancelled":true}');
      assert.deepEqual(
        seen.map((s) => [s.sessionId, s.accept]),
        [
          [ID, "text/event-stream"],
          [ID, "application/json"],
        ],
      );

      // The first caller leaves: AgentCore is not documented to tell the container, so the
      // stand-in reads the agent's answer to its end rather than closing its connection.
      caller.abort();
      await (
        await standin.waitForRequest(1)
      ).settled;
      release();
      assert.equal(await firstClosed, false, "the agent's answer was cut when its caller left");
    } finally {
      client.destroy();
      await standin.close();
      await new Promise<void>((resolve) => agent.close(() => resolve()));
    }
  });
});
