// Server wiring: configuration, the shared Bedrock model, one Strands agent per session, and the
// AgentCore runtime server (POST /invocations as Server-Sent Events, GET /ping) on 0.0.0.0:PORT.
import type { IncomingHttpHeaders } from "node:http";
import { Agent, BedrockModel } from "@strands-agents/sdk";
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { ConfigError, loadConfig, type AgentConfig } from "./config.js";
import { clientDisconnectSignal, watchClientDisconnects } from "./disconnect.js";
import { cancelTurn, streamAnswer, type InvocationDeps } from "./invocation.js";
import { invocationPayload, parseInvocationBody } from "./payload.js";
import { SessionPool } from "./sessions.js";
import { tools } from "./tools/index.js";

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
  // One model (one Bedrock Runtime client and its HTTP/2 connection) shared by every session: it
  // holds configuration only, no conversation. The client honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
  const model = new BedrockModel({
    modelId: config.modelId,
    region: config.modelRegion,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    ...(config.guardrail && {
      guardrailConfig: {
        guardrailIdentifier: config.guardrail.id,
        guardrailVersion: config.guardrail.version,
        // The trace tells Strands whether the guardrail blocked or only masked content.
        trace: "enabled" as const,
      },
    }),
  });

  const sessions = new SessionPool<Agent>({
    maxSessions: config.maxSessions,
    create: () =>
      new Agent({
        model,
        tools,
        systemPrompt: config.systemPrompt,
        // The printer writes every answer to stdout; the runtime's logs are no place for them.
        printer: false,
        // No model-level retries in Strands: a retry after text has streamed would stream the
        // answer again on top of the first attempt. The AWS SDK still retries throttling and
        // transient errors (3 attempts by default, AWS_MAX_ATTEMPTS) before the stream starts.
        retryStrategy: null,
      }),
  });

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
