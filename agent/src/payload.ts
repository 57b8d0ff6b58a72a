// The body of POST /invocations, validated while it is parsed.
//
// Why in the body parser and not only in BedrockAgentCoreApp's `requestSchema`: the runtime's own
// 400 answers (bad body, missing session id) are sent from inside the @fastify/sse route wrapper,
// which has already set `Content-Type: text/event-stream` whenever the client accepts an event
// stream (the proxy always does). Fastify then refuses to serialize the JSON error object and the
// client gets a 500. A body parser runs before that wrapper, so an error thrown here reaches
// Fastify's ordinary error handler: a 400 with a JSON body
// `{"statusCode": 400, "code": "validation", "error": "Bad Request", "message": "..."}`.
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { SESSION_HEADER } from "./runtime-headers.js";

/** Generous for a chat message, and far below the runtime's 100 MB payload quota. */
export const MAX_PROMPT_CHARS = 100_000;

// Unknown fields are allowed (and ignored) so clients can add fields without breaking older agents.
const promptPayload = z.object({
  prompt: z
    .string()
    .max(MAX_PROMPT_CHARS)
    .refine((prompt) => prompt.trim() !== "", { message: "must not be blank" }),
});

/** A control invocation: stop the answer in progress in this session (docs/event-protocol.md). */
const cancelPayload = z.object({ cancel: z.literal(true) });

export const invocationPayload = z.union([cancelPayload, promptPayload]);

export type InvocationPayload = z.infer<typeof invocationPayload>;

/** Whether a body asks for a cancel: any body with a `cancel` field is checked as one. */
function isCancel(json: unknown): boolean {
  return typeof json === "object" && json !== null && "cancel" in json;
}

/** Fastify answers an error with its `statusCode`, and puts `code` and `message` in the JSON body. */
export class BadRequestError extends Error {
  readonly statusCode = 400;
  readonly code = "validation";

  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/**
 * Parses and checks a JSON invocation body. Returns the parsed object itself (not a copy): the
 * runtime reads `sessionId` from it when the session header is missing (local use).
 */
export function parseInvocationBody(body: string, headers: IncomingHttpHeaders): unknown {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new BadRequestError("The body is not valid JSON.");
  }
  const cancel = isCancel(json);
  const checked = (cancel ? cancelPayload : promptPayload).safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    const shape = cancel ? '{"cancel": true}' : '{"prompt": "..."}';
    throw new BadRequestError(
      `Invalid request: ${where}: ${issue?.message ?? "invalid"}. Send ${shape}.`,
    );
  }
  const header = headers[SESSION_HEADER];
  const bodySessionId = (json as { sessionId?: unknown }).sessionId;
  if (
    !(typeof header === "string" && header !== "") &&
    !(typeof bodySessionId === "string" && bodySessionId !== "")
  ) {
    throw new BadRequestError(`Missing session id: send the ${SESSION_HEADER} header.`);
  }
  return json;
}
