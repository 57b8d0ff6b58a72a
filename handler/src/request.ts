import type { APIGatewayProxyEvent } from "aws-lambda";
// zod/mini: the same schemas in a form esbuild tree-shakes to what is used; full zod was 44% of the
// bundle and the largest part of the proxy's cold start (see the README's Performance section).
import * as z from "zod/mini";
import { clientError, type ClientError } from "./errors";
import { isValidSessionId, SESSION_ID_RULE } from "./session";

export type Route =
  | { kind: "invoke" }
  | { kind: "stopSession"; sessionId: string | undefined }
  | { kind: "cancelTurn"; sessionId: string | undefined }
  | { kind: "preflight" }
  | { kind: "notFound" }
  | { kind: "methodNotAllowed"; allow: string };

const SESSION_PATH = /\/sessions\/([^/]+)$/;
const CANCEL_PATH = /\/sessions\/([^/]+)\/cancel$/;

/**
 * Routes on the resource template API Gateway matched (`/invoke`, `/sessions/{sessionId}`,
 * `/sessions/{sessionId}/cancel`) and falls back to the path, so the handler also works behind a
 * catch-all `{proxy+}` resource or a custom domain base path.
 */
export function route(event: APIGatewayProxyEvent): Route {
  const method = (event.httpMethod ?? "").toUpperCase();
  const resource = event.resource ?? "";
  const path = (event.path ?? "").replace(/\/+$/, "") || "/";

  const isInvoke = resource === "/invoke" || path === "/invoke" || path.endsWith("/invoke");
  if (isInvoke) {
    if (method === "POST") return { kind: "invoke" };
    if (method === "OPTIONS") return { kind: "preflight" };
    return { kind: "methodNotAllowed", allow: "POST, OPTIONS" };
  }

  const cancelMatch = CANCEL_PATH.exec(path);
  if (resource === "/sessions/{sessionId}/cancel" || cancelMatch !== null) {
    if (method === "OPTIONS") return { kind: "preflight" };
    if (method !== "POST") return { kind: "methodNotAllowed", allow: "POST, OPTIONS" };
    return { kind: "cancelTurn", sessionId: sessionIdOf(event, cancelMatch) };
  }

  const pathMatch = SESSION_PATH.exec(path);
  if (resource === "/sessions/{sessionId}" || pathMatch !== null) {
    if (method === "OPTIONS") return { kind: "preflight" };
    if (method !== "DELETE") return { kind: "methodNotAllowed", allow: "DELETE, OPTIONS" };
    return { kind: "stopSession", sessionId: sessionIdOf(event, pathMatch) };
  }
  return { kind: "notFound" };
}

/** API Gateway has already URL-decoded pathParameters; the path is still encoded. */
function sessionIdOf(
  event: APIGatewayProxyEvent,
  pathMatch: RegExpExecArray | null,
): string | undefined {
  const fromTemplate = event.pathParameters?.sessionId ?? undefined;
  if (fromTemplate !== undefined || pathMatch === null) return fromTemplate;
  try {
    return decodeURIComponent(pathMatch[1]);
  } catch {
    return undefined;
  }
}

/** A request header, case-insensitively (API Gateway keeps the client's spelling). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const source of [event.headers, event.multiValueHeaders]) {
    if (source === null || source === undefined) continue;
    for (const [key, value] of Object.entries(source)) {
      if (key.toLowerCase() !== lower || value === undefined || value === null) continue;
      return Array.isArray(value) ? value[0] : value;
    }
  }
  return undefined;
}

export interface InvokeRequest {
  /** The client's session id, when it sent one (already validated). */
  sessionId: string | undefined;
  /** The agent payload: the validated body less `sessionId`, extra fields included. */
  payload: Record<string, unknown>;
}

const InvokeBody = z.looseObject({
  prompt: z.string().check(z.refine((s) => s.trim().length > 0)),
  sessionId: z.optional(z.unknown()),
});

/**
 * Only `prompt` can fail the schema (the session id has its own check below); the message is
 * fixed, so nothing of the client's input is echoed back.
 */
const PROMPT_RULE = "prompt must be a non-empty string";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ClientError };

export function parseInvokeRequest(
  event: APIGatewayProxyEvent,
  maxBodyBytes: number,
): Parsed<InvokeRequest> {
  const contentType = header(event, "content-type");
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    return fail(415, "unsupported_media_type", "Content-Type must be application/json");
  }

  const raw = event.body ?? "";
  // Measured without decoding: Buffer.byteLength(…, "base64") is the decoded size.
  const size = Buffer.byteLength(raw, event.isBase64Encoded ? "base64" : "utf8");
  if (size > maxBodyBytes) {
    return fail(413, "payload_too_large", `The request body must be at most ${maxBodyBytes} bytes`);
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(400, "validation", "The request body must be a JSON object");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail(400, "validation", "The request body must be a JSON object");
  }

  const parsed = InvokeBody.safeParse(json);
  if (!parsed.success) return fail(400, "validation", PROMPT_RULE);

  const { sessionId, ...payload } = parsed.data;
  if (sessionId !== undefined && !isValidSessionId(sessionId)) {
    return fail(400, "validation", SESSION_ID_RULE);
  }
  return { ok: true, value: { sessionId, payload } };
}

function isJsonContentType(value: string): boolean {
  const mediaType = value.split(";")[0].trim().toLowerCase();
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

function fail(status: number, code: ClientError["code"], message: string): Parsed<never> {
  return { ok: false, error: clientError(status, code, message) };
}
