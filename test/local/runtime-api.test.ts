import { strict as assert } from "node:assert";
import { Agent, request, type IncomingMessage } from "node:http";
import { RuntimeApi } from "../../local/runtime-api";

/**
 * The loopback Runtime API spoken to as the runtime interface client speaks to it: node:http for
 * the streamed answer (headers held back until the first write, a keep-alive agent). These cases
 * fix orderings that the genuine client only hits on a busy machine.
 */
describe("local Lambda Runtime API", () => {
  let api: RuntimeApi;
  const agents: Agent[] = [];
  let accepted = 0;
  let onAccept: (() => void) | undefined;

  beforeEach(async () => {
    accepted = 0;
    api = await RuntimeApi.start({
      onConnection: () => {
        accepted++;
        onAccept?.();
      },
    });
  });

  /** Resolves once the server has accepted `count` connections in all. */
  async function acceptedConnections(count: number): Promise<void> {
    while (accepted < count) await new Promise<void>((resolve) => (onAccept = resolve));
  }

  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    await api.close();
  });

  function get(path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const [host, port] = api.address.split(":");
      request({ host, port, path }, resolve).on("error", reject).end();
    });
  }

  /** Opens the streamed answer's connection as the client does: nothing is sent until `write`. */
  function openStreamedAnswer(requestId: string) {
    const [host, port] = api.address.split(":");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const req = request({
      host,
      port,
      agent,
      method: "POST",
      path: `/2018-06-01/runtime/invocation/${requestId}/response`,
      headers: {
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        "Content-Type": "text/event-stream",
      },
    });
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => req.on("error", resolve));
    const connected = new Promise<void>((resolve) =>
      req.on("socket", (socket) => socket.once("connect", () => resolve())),
    );
    return { req, failed, connected };
  }

  function enqueue(requestId: string) {
    return api.enqueue({
      requestId,
      event: { prompt: "hi" },
      deadline: Date.now() + 30_000,
      invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:proxy",
    });
  }

  /** GET /next as the runtime polls it; resolves with the id of the invocation it was given. */
  async function poll(): Promise<string | string[] | undefined> {
    const next = await get("/2018-06-01/runtime/invocation/next");
    next.resume();
    return next.headers["lambda-runtime-aws-request-id"];
  }

  async function takeInvocation() {
    const invocation = enqueue("req-1");
    assert.equal(await poll(), "req-1");
    return invocation;
  }

  it("drops the answer's connection when the client left after it was opened", async () => {
    const invocation = await takeInvocation();
    const before = accepted;
    const answer = openStreamedAnswer("req-1");
    // The break comes after the server accepted the connection (the poll's was the one before).
    await acceptedConnections(before + 1);
    invocation.breakConnection("close");
    const err = await answer.failed;
    assert.match(String(err.code), /ECONNRESET|EPIPE/);
    // It was that connection that was dropped, not the next one to arrive: the next poll's
    // connection is served.
    enqueue("req-2");
    assert.equal(await poll(), "req-2");
  });

  it("drops the answer's connection when the client left before it reached the server", async () => {
    const invocation = await takeInvocation();
    invocation.breakConnection("close");
    const answer = openStreamedAnswer("req-1");
    // The function never writes (it waits for the stream to close), so no request ever arrives.
    await answer.connected;
    const err = await answer.failed;
    assert.match(String(err.code), /ECONNRESET|EPIPE/);
    // Only that one connection: the next poll is served.
    enqueue("req-2");
    assert.equal(await poll(), "req-2");
  });
});
