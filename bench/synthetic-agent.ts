import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A deterministic stand-in for the agent container, speaking its `POST /invocations` SSE protocol
 * (docs/event-protocol.md): on each request it sends `events` text events `paceMs` apart (the
 * first one at once, scheduled against absolute times so pauses never accumulate), then `done`.
 * Each text event carries `sentAt`, the wall-clock time in ms (performance.timeOrigin +
 * performance.now(), sub-millisecond) taken just before the write, so a client on the same machine
 * can compute each event's delivery latency. Extra fields in `data` are allowed by the protocol's
 * consumers (the proxy relays bytes as they come).
 *
 * The relay-overhead and concurrency benchmarks run it in a child process (see `main` below), so
 * its pace is not disturbed by the chain and the client sharing the benchmark's event loop.
 */

export interface SyntheticAgentOptions {
  events: number;
  paceMs: number;
  port?: number;
  /** Characters of text per event (default 16, about a few tokens). */
  textChars?: number;
}

export interface SyntheticAgent {
  readonly url: string;
  close(): Promise<void>;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function startSyntheticAgent(options: SyntheticAgentOptions): Promise<SyntheticAgent> {
  const text = "x".repeat(options.textChars ?? 16);
  const server = createServer((req, res) => void serve(req, res, options, text));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: SyntheticAgentOptions,
  text: string,
): Promise<void> {
  // The prompt does not matter: every answer is the same stream.
  req.resume();
  await new Promise((resolve) => req.once("end", resolve));
  if (req.method === "GET" && req.url === "/ping") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"Healthy"}');
    return;
  }
  if (req.method !== "POST" || req.url !== "/invocations") {
    res.writeHead(404).end();
    return;
  }
  let gone = false;
  res.on("close", () => (gone = !res.writableFinished));
  // No flushHeaders: like the agent, the head goes out with the first event.
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const start = performance.now();
  for (let i = 0; i < options.events && !gone; i++) {
    const due = start + i * options.paceMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    res.write(`event: text\ndata: ${JSON.stringify({ text, seq: i, sentAt: nowMs() })}\n\n`);
  }
  if (gone) return;
  const done = {
    stopReason: "end_turn",
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
  };
  res.end(`event: done\ndata: ${JSON.stringify(done)}\n\n`);
}

/** `node --import tsx bench/synthetic-agent.ts <events> <paceMs>`: prints `{"url":…}` once up. */
async function main(): Promise<void> {
  const [events, paceMs] = process.argv.slice(2).map(Number);
  const agent = await startSyntheticAgent({ events, paceMs });
  process.stdout.write(`${JSON.stringify({ url: agent.url })}\n`);
  const stop = () => void agent.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The parent going away ends this process too.
  process.stdin.on("end", stop);
  process.stdin.resume();
}

if (require.main === module) void main();
