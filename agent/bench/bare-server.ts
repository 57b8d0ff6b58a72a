// A counterfactual for `npm run bench` (item 7), never shipped: the same agent (its configuration,
// sessions, Strands agent, Bedrock model and answer loop, src/) served by a bare `node:http` server
// in place of bedrock-agentcore's runtime server (Fastify, pino, ajv, @fastify/sse and the rest).
// The bench builds it like the image (build.ts, profile `bare-server`) and starts it the same way,
// so the difference to the image is what that server costs a new conversation at start.
//
// It speaks just enough of the AgentCore contract for the bench and the image build's warm-up:
// GET /ping, and POST /invocations with a prompt (Server-Sent Events) or a cancel (JSON). It has
// none of the runtime server's request limits, logging or identity headers, so it is a
// measurement, not a server to deploy.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { RequestContext } from "bedrock-agentcore/runtime";
import { loadConfig } from "../src/config.js";
import { cancelTurn, streamAnswer, type InvocationDeps } from "../src/invocation.js";
import { invocationPayload, parseInvocationBody } from "../src/payload.js";
import { SESSION_HEADER } from "../src/runtime-headers.js";
import { createSessionAgents } from "../src/session-agents.js";

const config = loadConfig(process.env);
const sessions = createSessionAgents(config);

let answering = 0;
const deps: InvocationDeps = {
  sessions,
  beginActivity: () => {
    answering += 1;
    return () => {
      answering -= 1;
    };
  },
};

// One JSON line per entry, on stdout; the handler's loggers are called as pino's are.
const log = (level: string) => (fields: object, msg?: string) =>
  console.log(JSON.stringify({ level, ...fields, msg }));
const logger = { info: log("info"), error: log("error") } as unknown as RequestContext["log"];

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function invoke(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = "";
  for await (const chunk of request) body += String(chunk);
  const parsed = invocationPayload.safeParse(parseInvocationBody(body, request.headers));
  const sessionId = request.headers[SESSION_HEADER];
  if (!parsed.success || typeof sessionId !== "string") {
    sendJson(response, 400, { code: "validation" });
    return;
  }
  const context: RequestContext = { sessionId, requestId: randomUUID(), headers: {}, log: logger };
  if ("cancel" in parsed.data) {
    sendJson(response, 200, await cancelTurn(deps, context));
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  const prompt = parsed.data.prompt;
  for await (const event of streamAnswer(deps, { prompt, context, disconnected: undefined })) {
    response.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
  }
  response.end();
}

createServer((request, response) => {
  if (request.method === "GET" && request.url === "/ping") {
    const status = answering > 0 ? "HealthyBusy" : "Healthy";
    sendJson(response, 200, { status, time_of_last_update: Math.floor(Date.now() / 1000) });
  } else if (request.method === "POST" && request.url === "/invocations") {
    invoke(request, response).catch((error: unknown) => {
      console.error(error);
      if (response.headersSent) response.end();
      else sendJson(response, error instanceof Error && "statusCode" in error ? 400 : 500, {});
    });
  } else {
    sendJson(response, 404, {});
  }
}).listen(config.port, "0.0.0.0");
