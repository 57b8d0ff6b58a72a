// Turns whatever an invocation threw into a protocol error code and a message that is safe to show
// a user. Provider messages are never passed through: they can carry ARNs, account ids, model ids
// or fragments of the prompt. The full error goes to the log instead.
import {
  ConcurrentInvocationError,
  ContextWindowOverflowError,
  MaxTokensError,
  ModelError,
  ModelThrottledError,
} from "@strands-agents/sdk";
import type { ErrorCode } from "./events.js";

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
}

export const MESSAGES = {
  busy: "This session is still answering an earlier message. Wait for it to finish, then try again.",
  throttled: "The model is receiving too many requests right now. Please try again in a moment.",
  contextOverflow: "This conversation is too long for the model. Please start a new session.",
  validation: "The model could not accept this request.",
  maxTokens: "The answer reached its maximum length and was cut off.",
  model: "The model could not answer. Please try again.",
  internal: "Something went wrong while answering. Please try again.",
} as const;

// Bedrock Runtime error names (the AWS SDK sets `name` from the service's error type, both for
// HTTP errors and for exception frames inside a ConverseStream).
const THROTTLING = new Set([
  "ThrottlingException",
  "ServiceQuotaExceededException",
  "TooManyRequestsException",
]);
const VALIDATION = new Set(["ValidationException"]);
const MODEL_SIDE = new Set([
  "AccessDeniedException",
  "InternalServerException",
  "ModelErrorException",
  "ModelNotReadyException",
  "ModelStreamErrorException",
  "ModelTimeoutException",
  "ResourceNotFoundException",
  "ServiceUnavailableException",
]);

/** The error and its causes: Strands wraps provider errors in its own classes. */
function chain(error: unknown): unknown[] {
  const links: unknown[] = [];
  let current: unknown = error;
  while (
    current !== undefined &&
    current !== null &&
    links.length < 8 &&
    !links.includes(current)
  ) {
    links.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return links;
}

function named(link: unknown, names: Set<string>): boolean {
  return link instanceof Error && names.has(link.name);
}

/** An AWS SDK service exception carries `$metadata` (HTTP status, request id). */
function isServiceError(link: unknown): boolean {
  return link instanceof Error && "$metadata" in link;
}

export function classifyError(error: unknown): ClassifiedError {
  const links = chain(error);
  const any = (test: (link: unknown) => boolean): boolean => links.some(test);

  if (any((link) => link instanceof ConcurrentInvocationError)) {
    return { code: "busy", message: MESSAGES.busy };
  }
  if (any((link) => link instanceof ModelThrottledError || named(link, THROTTLING))) {
    return { code: "throttled", message: MESSAGES.throttled };
  }
  if (any((link) => link instanceof ContextWindowOverflowError)) {
    return { code: "validation", message: MESSAGES.contextOverflow };
  }
  if (any((link) => named(link, VALIDATION))) {
    return { code: "validation", message: MESSAGES.validation };
  }
  if (any((link) => link instanceof MaxTokensError)) {
    return { code: "model_error", message: MESSAGES.maxTokens };
  }
  if (
    any((link) => link instanceof ModelError || named(link, MODEL_SIDE) || isServiceError(link))
  ) {
    return { code: "model_error", message: MESSAGES.model };
  }
  return { code: "internal", message: MESSAGES.internal };
}
