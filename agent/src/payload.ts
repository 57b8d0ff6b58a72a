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

export const SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id";

/** Generous for a chat message, and far below the runtime's 100 MB payload quota. */
export const MAX_PROMPT_CHARS = 100_000;

// Unknown fields are allowed (and ignored) so clients can add fields without breaking older agents.
export const invocationPayload = z.object({
  prompt: z
    .string()
    .max(MAX_PROMPT_CHARS)
    .refine((prompt) => prompt.trim() !== "", { message: "must not be blank" }),
});

export type InvocationPayload = z.infer<typeof invocationPayload>;

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
  const checked = invocationPayload.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    throw new BadRequestError(
      `Invalid request: ${where}: ${issue?.message ?? "invalid"}. Send {"prompt": "..."}.`,
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
