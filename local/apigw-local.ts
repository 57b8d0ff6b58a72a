import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  gatewayError,
  gatewayHandle,
  proxyEventFrom,
  relayInvocation,
  RESOURCES,
  type StreamingInvoker,
} from "./apigw-decode";

/**
 * The local API Gateway of `npm run dev`: the REST API's routes (POST /invoke,
 * DELETE /sessions/{id}, POST /sessions/{id}/cancel, OPTIONS on each), its API key check
 * (`x-api-key`; a missing or wrong key gets API Gateway's 403 `{"message":"Forbidden"}`), the
 * proxy events it sends the function and the decoding of the function's streamed answer (prelude
 * + 8 NUL bytes + body). `GET /` serves the web page, which API Gateway does not do: it is what
 * makes the page same-origin locally.
 */

export interface LocalGatewayOptions {
  host?: string;
  port?: number;
  stage?: string;
  apiKey: string;
  /** More keys, each a caller of its own (its own `apiKeyId`), as the keys of a usage plan are. */
  otherApiKeys?: readonly string[];
  /** Served at GET / (re-read on each request, so edits show on reload). */
  pagePath?: string;
  integrationTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface LocalGateway {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** What API Gateway puts in `identity.apiKeyId`: an id of the key, never the key itself. */
function apiKeyIdOf(key: string): string {
  return `local-${createHash("sha256").update(key).digest("hex").slice(0, 10)}`;
}

export async function startLocalGateway(
  invoker: StreamingInvoker,
  options: LocalGatewayOptions,
): Promise<LocalGateway> {
  const server = createServer((req, res) => {
    serve(invoker, options, req, res).catch((err: unknown) => {
      options.log?.(`gateway error: ${String(err)}`);
      gatewayError(res, 500, "Internal server error", "-");
    });
  });
  const host = options.host ?? "127.0.0.1";
  await listen(server, options.port ?? 0, host);
  return gatewayHandle(server, host === "0.0.0.0" ? "localhost" : host);
}

/** Listens, turning EADDRINUSE into an error that names the port. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(asPortInUse(err, port, host));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(
    readonly port: number,
    readonly host: string,
  ) {
    super(`port ${port} on ${host} is already in use`);
  }
}

/** EADDRINUSE as a PortInUseError naming the port; any other error as it is. */
export function asPortInUse(err: NodeJS.ErrnoException, port: number, host: string): Error {
  return err.code === "EADDRINUSE" ? new PortInUseError(port, host) : err;
}

async function serve(
  invoker: StreamingInvoker,
  options: LocalGatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? "/", "http://local");
  const method = req.method ?? "GET";
  const started = Date.now();
  res.on("close", () =>
    options.log?.(
      `${method} ${url.pathname} → ${res.statusCode}${res.writableFinished ? "" : " (client went away)"} ${Date.now() - started} ms`,
    ),
  );

  if (method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
    if (options.pagePath === undefined) return gatewayError(res, 404, "Not Found", requestId);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(readFileSync(options.pagePath));
    return;
  }
  const route = RESOURCES.find((r) => r.pattern.test(url.pathname));
  if (route === undefined || (method !== "OPTIONS" && !route.methods.includes(method))) {
    // What API Gateway answers for a resource or method it does not have.
    return gatewayError(res, 403, "Missing Authentication Token", requestId);
  }
  // Preflights carry no API key (browsers never send custom headers on them): OPTIONS does not
  // require one and goes to the function, which answers CORS.
  const key = req.headers["x-api-key"];
  const known =
    typeof key === "string" && [options.apiKey, ...(options.otherApiKeys ?? [])].includes(key);
  if (method !== "OPTIONS" && !known) {
    return gatewayError(res, 403, "Forbidden", requestId);
  }

  // No body limit here, so there is always an event.
  const event = (await proxyEventFrom(req, res, requestId, () => ({
    stage: options.stage ?? "local",
    identity:
      method === "OPTIONS"
        ? {}
        : { apiKey: key as string, apiKeyId: apiKeyIdOf(key as string), sourceIp: "127.0.0.1" },
  })))!;

  await relayInvocation(invoker, event, res, requestId, {
    integrationTimeoutMs: options.integrationTimeoutMs,
  });
}
