import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  BedrockAgentCoreClient,
  InvokeAgentRuntimeCommand,
} from "@aws-sdk/client-bedrock-agentcore";
import { PortInUseError } from "../../local/apigw-local";
import { ricAvailable } from "../../local/ric-host";
import { SseStream, within } from "../support/sse-stream";
import {
  LOCAL_REGION,
  LOCAL_RUNTIME_ARN,
  freePort,
  startDevStack,
  type DevStack,
} from "../../local/dev-stack";

/**
 * The whole local chain through real HTTP: local API Gateway → proxy bundle in the Lambda host →
 * AgentCore stand-in (SigV4 verified) → agent bundle (child process) → offline ConverseStream
 * stand-in. Assertions are on order and outcome; time limits only turn hangs into failures.
 */

describe("e2e: the local dev stack", function () {
  this.timeout(60_000);
  let stack: DevStack;

  before(async function () {
    stack = await startDevStack({
      handlerOutdir: path.join(os.tmpdir(), `agentcore-stream-e2e-${process.pid}`),
      proxyLogLevel: "SILENT",
      // Slow enough that an abort or a kill lands mid-answer even on a loaded machine.
      wordDelayMs: 40,
    });
  });

  after(async () => {
    await stack?.stop();
  });

  function invoke(body: unknown, init: { key?: string | null; signal?: AbortSignal } = {}) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (init.key !== null) headers["x-api-key"] = init.key ?? stack.apiKey;
    return fetch(`${stack.gatewayUrl}/invoke`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: init.signal,
    });
  }

  it("runs the proxy under the genuine runtime interface client when it is installed", () => {
    const ric = ricAvailable();
    assert.deepEqual(
      stack.lambdaHost,
      ric.ok ? { kind: "ric" } : { kind: "in-process", reason: ric.reason },
    );
    assert.equal(stack.proxy.kind, stack.lambdaHost.kind);
  });

  it("serves the page at GET /", async () => {
    const res = await fetch(`${stack.gatewayUrl}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await res.text(), /X-Session-Id/);
  });

  it("streams: the first text delta arrives before the answer is finished", async () => {
    const res = await invoke({ prompt: "Hello streaming world" });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const sse = new SseStream(res);
    await sse.waitFor(() => sse.events.some((e) => e.event === "text"), 20_000, "a text event");
    // The model stand-in is still sending words when the client already has the first one.
    const model = stack.bedrock!.requests.at(-1)!;
    assert.equal(
      model.state,
      "streaming",
      "the first delta reached the client only after the model finished",
    );
    await within(sse.ended, 20_000, "the stream did not end");
    const names = sse.events.map((e) => e.event);
    assert.ok(names.filter((n) => n === "text").length > 5, `expected many deltas: ${names}`);
    assert.equal(names.at(-1), "done");
    assert.match(sse.text, /You said: "Hello streaming world"/);
    assert.equal(await model.settled, "completed");
  });

  it("keeps a conversation: two turns share one session", async () => {
    const first = await invoke({ prompt: "My name is Ada." });
    const sessionId = first.headers.get("x-session-id");
    assert.ok(sessionId, "no X-Session-Id");
    const one = new SseStream(first);
    await within(one.ended, 20_000, "turn 1 did not end");
    assert.equal(one.events.at(-1)?.event, "done");

    const second = await invoke({ prompt: "What is my name?", sessionId });
    assert.equal(second.headers.get("x-session-id"), sessionId);
    const two = new SseStream(second);
    await within(two.ended, 20_000, "turn 2 did not end");
    assert.equal(two.events.at(-1)?.event, "done");
    assert.match(two.text, /You said: "What is my name\?"/);

    // The agent remembered turn 1: the model got the whole conversation on turn 2.
    const request = stack.bedrock!.requests.at(-1)!;
    const texts = request.messages.map(
      (m) => `${m.role}: ${m.content.map((c) => c.text ?? "").join("")}`,
    );
    assert.equal(request.messages.length, 3, JSON.stringify(texts));
    assert.match(texts[0], /^user: My name is Ada\./);
    assert.match(texts[1], /^assistant: .*You said: "My name is Ada\."/);
    assert.match(texts[2], /^user: What is my name\?/);

    // The runtime session id reaching the agent is the proxy's scoped id, valid for AgentCore.
    const invokes = stack.agentcore.requests.filter((r) => r.operation === "InvokeAgentRuntime");
    const [a, b] = invokes.slice(-2);
    assert.equal(a.sessionId, b.sessionId);
    assert.ok(a.sessionId!.length >= 33);
  });

  it("a bad request gets the proxy's 400 JSON", async () => {
    const res = await invoke({ prompt: "" });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { error: Record<string, unknown> };
    assert.equal(json.error.code, "validation");
    assert.equal(typeof json.error.message, "string");
  });

  it("a missing or wrong API key gets API Gateway's 403", async () => {
    for (const key of [null, "wrong-key"]) {
      const res = await invoke({ prompt: "hi" }, { key });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { message: "Forbidden" });
    }
  });

  it("CORS: the preflight from the page's origin is answered without a key, 204 as deployed", async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.gatewayUrl}/invoke`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-api-key",
        },
      });
    // The deployed preflight is a MOCK integration whose method response is 204.
    const res = await preflight(stack.gatewayUrl);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), stack.gatewayUrl);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /\bPOST\b/);
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /x-api-key/i);
    // An origin outside the list is never echoed.
    const foreign = await preflight("https://evil.example");
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });

  it("DELETE /sessions/{id} ends the runtime session: the next turn starts with no memory", async () => {
    const stop = (id: string) =>
      fetch(`${stack.gatewayUrl}/sessions/${id}`, {
        method: "DELETE",
        headers: { "x-api-key": stack.apiKey },
      });
    const first = await invoke({ prompt: "My name is Grace." });
    const sessionId = first.headers.get("x-session-id")!;
    await within(new SseStream(first).ended, 20_000, "turn 1 did not end");

    const stopped = await stop(sessionId);
    assert.equal(stopped.status, 204, await stopped.text());
    const stopCall = stack.agentcore.requests.at(-1)!;
    assert.equal(stopCall.operation, "StopRuntimeSession");

    // The same session id again: AgentCore starts a new microVM, so the agent remembers nothing.
    const again = await invoke({ prompt: "What is my name?", sessionId });
    await within(new SseStream(again).ended, 20_000, "turn 2 did not end");
    const request = stack.bedrock!.requests.at(-1)!;
    assert.equal(request.messages.length, 1, JSON.stringify(request.messages));
    const invokes = stack.agentcore.requests.filter((r) => r.operation === "InvokeAgentRuntime");
    assert.equal(invokes.at(-1)!.sessionId, stopCall.sessionId, "the proxy kept its runtime id");

    // Stopping twice, or a session that never ran: AgentCore's ResourceNotFoundException, which
    // the proxy answers as stopped all the same.
    assert.equal((await stop(sessionId)).status, 204);
    assert.equal((await stop(sessionId)).status, 204);
    assert.equal((await stop("n".repeat(40))).status, 204);
    const last = stack.agentcore.requests.at(-1)!;
    assert.equal(last.operation, "StopRuntimeSession");
  });

  it("the AgentCore stand-in refuses a request signed with other credentials", async () => {
    const client = new BedrockAgentCoreClient({
      region: LOCAL_REGION,
      endpoint: stack.agentcoreUrl,
      credentials: {
        accessKeyId: "AKIALOCALDEV00000000",
        secretAccessKey: "not-the-secret",
        sessionToken: "local-dev-session-token",
      },
      maxAttempts: 1,
    });
    await assert.rejects(
      client.send(
        new InvokeAgentRuntimeCommand({
          agentRuntimeArn: LOCAL_RUNTIME_ARN,
          runtimeSessionId: "x".repeat(40),
          payload: Buffer.from(JSON.stringify({ prompt: "hi" })),
        }),
      ),
      (err: Error) => err.name === "InvalidSignatureException",
    );
  });

  // Last: it kills the agent (then restarts it, so the stack is usable again).
  it("an agent crash mid-stream gives event: error and a cleanly ended stream", async () => {
    const res = await invoke({ prompt: "Crash while you answer" });
    assert.equal(res.status, 200);
    const sse = new SseStream(res);
    await sse.waitFor(() => sse.events.some((e) => e.event === "text"), 20_000, "a text event");
    await stack.killAgent();
    await within(sse.ended, 20_000, "the stream did not end after the crash");
    const last = sse.events.at(-1)!;
    assert.equal(last.event, "error", JSON.stringify(sse.events));
    // The proxy's own event for an answer that broke off (docs/event-protocol.md).
    assert.deepEqual(
      { code: last.data.code, message: last.data.message },
      { code: "upstream", message: "The answer was cut off." },
    );
    assert.match(String(last.data.requestId), /^[\w-]+$/);
    assert.ok(!sse.events.some((e) => e.event === "done"));
    await stack.restartAgent();
  });
});

describe("e2e: dev stack start-up", () => {
  it("names the port when one is taken, before starting anything", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const { port } = blocker.address() as AddressInfo;
    try {
      await assert.rejects(startDevStack({ gatewayPort: port }), (err: Error) => {
        assert.ok(err instanceof PortInUseError, String(err));
        assert.match(err.message, new RegExp(`port ${port}\\b`));
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  // CI once lost a run to an agent port taken between the probe and the agent's listen: the
  // port came from the ephemeral range, which every outgoing connection draws from too.
  it("draws the agent's port below every ephemeral range, free on all interfaces", async () => {
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      assert.ok(port >= 20_000 && port < 32_768, `port ${port} is in an ephemeral range`);
    }
  });

  it("draws again when the port it drew is taken on 0.0.0.0", async () => {
    const taken = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(taken, "0.0.0.0", () => resolve()));
    const random = Math.random;
    const draws = [(taken - 20_000 + 0.5) / 12_768, random(), random()];
    Math.random = () => draws.shift() ?? random();
    try {
      const port = await freePort();
      assert.notEqual(port, taken);
      assert.equal(draws.length, 1, "it should have drawn twice: the taken port, then a free one");
    } finally {
      Math.random = random;
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
