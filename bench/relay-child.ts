import { startApiGatewayServer } from "../local/apigw-decode";
import { loadStreamingHandler } from "../local/lambda-host";

/**
 * The process whose memory the throughput benchmark watches: the proxy bundle in the Lambda host,
 * behind the API Gateway stand-in (which decodes the prelude and pipes the body to the client with
 * backpressure). Bundled to plain JavaScript and forked by throughput.ts with an IPC channel:
 * announces `{type: "ready", url}`, answers `{type: "rss"}` with its resident set size and
 * `{type: "gc"}` with its memory after a full garbage collection.
 *
 * argv: <proxy bundle>
 */
/**
 * Full collections until the numbers settle: ArrayBuffers freed by one collection release their
 * external memory in callbacks that run after it.
 */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  process.send!({ type: "gc", rss, heapUsed, external });
}

async function main(): Promise<void> {
  const [bundle] = process.argv.slice(2);
  // The function's environment is this process's own, set by throughput.ts.
  const host = loadStreamingHandler(bundle, { ...process.env });
  const gateway = await startApiGatewayServer(host);
  process.on("message", (message: { type?: string }) => {
    if (message.type === "rss") process.send!({ type: "rss", rss: process.memoryUsage.rss() });
    // After a full collection, what the process still holds: relayed bytes kept anywhere would
    // show here as heap or external (Buffer) memory. `gc` exists because of --expose-gc.
    if (message.type === "gc") void collect();
  });
  // The benchmark going away (IPC closed) ends this process.
  process.on("disconnect", () => void gateway.close().then(() => process.exit(0)));
  process.send!({ type: "ready", url: gateway.url });
}

void main();
