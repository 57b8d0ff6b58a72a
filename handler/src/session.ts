import { createHash, createHmac, randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";

/** AgentCore's runtimeSessionId constraint, applied to client-supplied ids as well. */
const SESSION_ID = /^[A-Za-z0-9_-]{33,256}$/;

export const SESSION_ID_RULE =
  "sessionId must be 33 to 256 characters of A-Z, a-z, 0-9, underscore or hyphen";

export function isValidSessionId(value: unknown): value is string {
  return typeof value === "string" && SESSION_ID.test(value);
}

/** A fresh client session id: a UUID is 36 characters of [0-9a-f-], inside the rule above. */
export function newSessionId(): string {
  return randomUUID();
}

export type IdentityKind = "cognito" | "authorizer" | "iam" | "apikey";

export interface CallerIdentity {
  kind: IdentityKind;
  value: string;
}

/**
 * The caller as API Gateway authenticated it, strongest first: Cognito user pool claims, a
 * Lambda authorizer's principal, an IAM caller, an API key. Only values API Gateway itself puts
 * in requestContext count; nothing from headers or the body, which the client controls.
 */
export function callerIdentity(event: APIGatewayProxyEvent): CallerIdentity | undefined {
  const ctx = event.requestContext as Partial<APIGatewayProxyEvent["requestContext"]> | undefined;
  const authorizer = (ctx?.authorizer ?? undefined) as Record<string, unknown> | undefined;
  const claims = authorizer?.claims as Record<string, unknown> | undefined;
  const candidates: [IdentityKind, unknown][] = [
    ["cognito", claims?.sub],
    ["authorizer", authorizer?.principalId],
    ["iam", ctx?.identity?.userArn],
    ["apikey", ctx?.identity?.apiKeyId],
  ];
  for (const [kind, value] of candidates) {
    if (typeof value === "string" && value.trim() !== "") return { kind, value };
  }
  return undefined;
}

/** The identity as AgentCore's runtimeUserId: prefixed by kind so kinds can never collide. */
export function runtimeUserId(identity: CallerIdentity): string {
  return `${identity.kind}:${identity.value}`;
}

/**
 * The runtime session id sent to AgentCore. With a caller identity it is
 * HMAC-SHA256(key, "<kind>:<identity>\n<client session id>") in hex (64 characters, inside
 * AgentCore's 33..256 rule): the same caller always reaches the same runtime session, and a
 * caller who learns (or guesses) another caller's client session id still lands in a session of
 * its own, so it can neither join nor stop the other's. Without an identity there is nothing to
 * scope by, and the client session id is used as is (a random UUID is its only protection).
 */
export function runtimeSessionId(
  clientSessionId: string,
  identity: CallerIdentity | undefined,
  key: Buffer,
): string {
  if (identity === undefined) return clientSessionId;
  return createHmac("sha256", key)
    .update(`${runtimeUserId(identity)}\n${clientSessionId}`)
    .digest("hex");
}

/** What the logs carry instead of a session id (which is a capability for anonymous callers). */
export function sessionHash(runtimeSession: string): string {
  return createHash("sha256").update(runtimeSession).digest("hex").slice(0, 16);
}
