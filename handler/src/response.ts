import type { Writable } from "node:stream";
import type {} from "aws-lambda"; // declares the runtime's global `awslambda`
import type { CorsConfig } from "./config";
import type { ClientError } from "./errors";

/** The stream the runtime hands to a streamifyResponse handler. */
export type ResponseStream = awslambda.HttpResponseStream;
export type HeaderMap = Record<string, string>;

export const SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";
const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * CORS headers for one request. Vary: Origin goes on every answer once CORS is configured, so
 * a cache never serves one origin's answer to another.
 */
export function corsHeaders(cors: CorsConfig | undefined, origin: string | undefined): HeaderMap {
  if (cors === undefined) return {};
  const headers: HeaderMap = { Vary: "Origin" };
  if (origin !== undefined && (cors.anyOrigin || cors.origins.has(origin))) {
    headers["Access-Control-Allow-Origin"] = origin;
    headers["Access-Control-Expose-Headers"] = "X-Session-Id";
  }
  return headers;
}

export const PREFLIGHT_HEADERS: HeaderMap = {
  "Access-Control-Allow-Methods": "POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers":
    "Content-Type, Authorization, X-Api-Key, X-Amz-Date, X-Amz-Security-Token",
  "Access-Control-Max-Age": "600",
};

/**
 * Starts an HTTP answer: the prelude (status + headers) that API Gateway turns into the
 * response head. HttpResponseStream.from only arms the prelude; the runtime writes it (JSON and
 * 8 NUL bytes) from the first write(), never from end(). So every answer goes through write().
 */
function open(stream: ResponseStream, statusCode: number, headers: HeaderMap): Writable {
  return awslambda.HttpResponseStream.from(stream, { statusCode, headers });
}

/** A complete answer with a JSON body (or none, for 204). */
export async function sendJson(
  stream: ResponseStream,
  statusCode: number,
  headers: HeaderMap,
  body?: unknown,
): Promise<number> {
  const all: HeaderMap = { "Cache-Control": "no-store", ...headers };
  if (body !== undefined) all["Content-Type"] = JSON_CONTENT_TYPE;
  const out = open(stream, statusCode, all);
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), "utf8");
  out.write(bytes);
  await endStream(out);
  return bytes.length;
}

export function sendError(
  stream: ResponseStream,
  error: ClientError,
  requestId: string,
  headers: HeaderMap,
): Promise<number> {
  return sendJson(
    stream,
    error.status,
    { ...headers, ...error.headers },
    { error: { code: error.code, message: error.message, requestId } },
  );
}

/**
 * Commits a streamed answer's prelude at once (an empty write triggers it), so the client has
 * the status and X-Session-Id as soon as the agent has answered, before its first byte.
 */
export function openStream(
  stream: ResponseStream,
  contentType: string,
  headers: HeaderMap,
): Writable {
  const out = open(stream, 200, {
    ...headers,
    "Content-Type": contentType,
    "Cache-Control": "no-cache",
    // Tells nginx-style proxies (and the local dev server) not to buffer the stream.
    "X-Accel-Buffering": "no",
  });
  out.write(Buffer.alloc(0));
  return out;
}

/** Ends the stream and waits until the runtime has it all (or the stream is gone). */
export function endStream(out: Writable): Promise<void> {
  if (out.destroyed || out.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener("finish", done);
      out.removeListener("close", done);
      out.removeListener("error", done);
      resolve();
    };
    out.once("finish", done);
    out.once("close", done);
    out.once("error", done);
    out.end(done);
  });
}
