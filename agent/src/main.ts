// Server wiring: configuration, the shared Bedrock model, one Strands agent per session, and the
// AgentCore runtime server (POST /invocations as Server-Sent Events, GET /ping) on 0.0.0.0:PORT.
import type { IncomingHttpHeaders } from "node:http";
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { ConfigError, loadConfig, type AgentConfig } from "./config.js";
import { clientDisconnectSignal, watchClientDisconnects } from "./disconnect.js";
import { cancelTurn, streamAnswer, type InvocationDeps } from "./invocation.js";
import { invocationPayload, parseInvocationBody } from "./payload.js";
import { createSessionAgents } from "./session-agents.js";

function readConfig(): AgentConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // Plain stderr, before any logger exists: this is what the runtime's logs will show.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

function start(config: AgentConfig): void {
  const sessions = createSessionAgents(config);

  watchClientDisconnects("/invocations");

  const app = new BedrockAgentCoreApp({
    invocationHandler: {
      requestSchema: invocationPayload,
      // A cancel answers JSON (the runtime sends a non-generator result as is); a prompt streams.
      process: (payload, context) =>
        "cancel" in payload
          ? cancelTurn(deps, context)
          : streamAnswer(deps, {
              prompt: payload.prompt,
              context,
              disconnected: clientDisconnectSignal(),
            }),
    },
    config: {
      // Bad requests are refused while the body is parsed (see payload.ts for why). text/plain
      // is parsed the same way: the runtime's default text parser would hand the handler a
      // string, and its refusal would be sent as a 500.
      contentTypeParsers: [
        {
          contentType: ["application/json", "text/plain"],
          parseAs: "string",
          parser: async (request: { headers: IncomingHttpHeaders }, body: string | Buffer) =>
            parseInvocationBody(String(body), request.headers),
        },
      ],
    },
  });

  const deps: InvocationDeps = {
    sessions,
    // /ping reports HealthyBusy while any answer streams, through the runtime's own task
    // tracking. The runtime stamps `time_of_last_update` when it notices a change of status,
    // which it does when asked for the status: ask right away so the stamp is the moment of the
    // change, not of the next ping.
    beginActivity: () => {
      const taskId = app.addAsyncTask("invocation");
      app.getCurrentPingStatus();
      return () => {
        app.completeAsyncTask(taskId);
        app.getCurrentPingStatus();
      };
    },
  };

  // As PID 1 in a container, Node gets no default handler for these signals: without one,
  // `docker stop` would wait for its timeout and then kill the process.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => process.exit(0));
  }

  app.run({ port: config.port, host: "0.0.0.0" });
}

start(readConfig());
