// Tells the invocation handler, at once, when its client goes away.
//
// BedrockAgentCoreApp hands the handler only the parsed body and a RequestContext: no request, no
// socket. Its own loop notices a closed connection only when the next event is ready to send,
// which can be many seconds (a slow first token, a long tool call) of generating tokens for
// nobody. Fastify publishes every route handler call on the diagnostics channel
// `tracing:fastify.request.handler:start` (a documented Fastify feature), with the request and
// reply, and runs the handler inside the stores bound to that channel. Binding an
// AsyncLocalStorage there gives the handler an AbortSignal tied to its own response, using public
// APIs only.
import { AsyncLocalStorage } from "node:async_hooks";
import diagnosticsChannel from "node:diagnostics_channel";
import type { ServerResponse } from "node:http";

const HANDLER_START = "tracing:fastify.request.handler:start";

interface HandlerStart {
  request?: { method?: string; url?: string };
  reply?: { raw?: ServerResponse };
}

const scope = new AsyncLocalStorage<AbortSignal | undefined>();
let installed = false;

export class ClientDisconnectedError extends Error {
  constructor() {
    super("The client closed the connection");
    this.name = "ClientDisconnectedError";
  }
}

/** Installs the watcher; call once before the server starts. */
export function watchClientDisconnects(path: string): void {
  if (installed) return;
  installed = true;
  diagnosticsChannel.channel(HANDLER_START).bindStore(scope, (message) => {
    const { request, reply } = message as HandlerStart;
    const response = reply?.raw;
    if (
      response === undefined ||
      request?.method !== "POST" ||
      request.url?.split("?")[0] !== path
    ) {
      return undefined;
    }
    const controller = new AbortController();
    // `close` also fires after a complete response; only a close before the end is a disconnect.
    response.once("close", () => {
      if (!response.writableFinished) controller.abort(new ClientDisconnectedError());
    });
    return controller.signal;
  });
}

/** The current request's disconnect signal, when called from inside its handler. */
export function clientDisconnectSignal(): AbortSignal | undefined {
  return scope.getStore();
}
