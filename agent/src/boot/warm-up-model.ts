// The model the image build's warm-up talks to: a cleartext HTTP/2 server on loopback, in the
// build step's own process, that answers every ConverseStream request with one short text answer
// in Bedrock Runtime's wire format. The build has no network and no credentials, and must never
// reach a real model; what it needs is the agent's own code for a first answer to run once, so
// that the code cache holds it (warm-up.ts).
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { eventFrame } from "./converse-frames.js";

export interface WarmUpModel {
  /** The value for AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  readonly endpoint: string;
  /** How many ConverseStream requests it has answered. */
  readonly answered: number;
  close(): Promise<void>;
}

const CONVERSE_STREAM = /^\/model\/[^/]+\/converse-stream$/;
export const WARM_UP_ANSWER = "Ready.";

export async function startWarmUpModel(): Promise<WarmUpModel> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  let answered = 0;
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => undefined);
    if (headers[":method"] !== "POST" || !CONVERSE_STREAM.test(String(headers[":path"]))) {
      stream.respond({ ":status": 404, "x-amzn-errortype": "UnknownOperationException" });
      stream.end("{}");
      return;
    }
    // The request body is read to its end, as a server must before it answers on HTTP/2.
    stream.resume();
    stream.once("end", () => {
      answered += 1;
      stream.respond({ ":status": 200, "content-type": "application/vnd.amazon.eventstream" });
      stream.write(eventFrame("messageStart", { role: "assistant" }));
      stream.write(
        eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: WARM_UP_ANSWER } }),
      );
      stream.write(eventFrame("contentBlockStop", { contentBlockIndex: 0 }));
      stream.write(eventFrame("messageStop", { stopReason: "end_turn" }));
      stream.end(
        eventFrame("metadata", {
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
          metrics: { latencyMs: 1 },
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get answered() {
      return answered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
