/**
 * Error codes and messages the client may see. Messages are fixed strings: nothing from the
 * upstream error (which can name ARNs, account ids or echo input) is ever copied into them; the
 * details go to the log only.
 */
export type ErrorCode =
  | "validation"
  | "payload_too_large"
  | "unsupported_media_type"
  | "not_found"
  | "method_not_allowed"
  | "throttled"
  | "busy"
  | "upstream"
  | "timeout"
  | "deadline"
  | "internal";

export interface ClientError {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

export function clientError(
  status: number,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): ClientError {
  return headers === undefined ? { status, code, message } : { status, code, message, headers };
}

export const MESSAGES = {
  throttled: "Too many requests; retry later.",
  busy: "This session is still answering an earlier request; retry when it has finished.",
  rejected: "The agent rejected the request.",
  upstream: "The agent is unavailable.",
  timeout: "The agent did not answer in time.",
  deadline: "The answer ran out of time.",
  cut: "The answer was cut off.",
  internal: "Internal error.",
} as const;

/** What the log records about an upstream failure (never sent to the client). */
export interface ErrorDetail {
  name: string;
  message: string;
  httpStatus?: number;
  awsRequestId?: string;
}

export function errorDetail(err: unknown): ErrorDetail {
  const e = (err ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const name = typeof e.name === "string" ? e.name : "Error";
  const detail: ErrorDetail = {
    name: typeof e.code === "string" && name === "Error" ? e.code : name,
    message: typeof e.message === "string" ? e.message : String(err),
  };
  if (e.$metadata?.httpStatusCode !== undefined) detail.httpStatus = e.$metadata.httpStatusCode;
  if (e.$metadata?.requestId !== undefined) detail.awsRequestId = e.$metadata.requestId;
  return detail;
}

const DEFAULT_RETRY_AFTER_S = 1;

/**
 * Maps an error from InvokeAgentRuntime / StopRuntimeSession (before any byte was streamed) to
 * the answer the client gets. Exceptions are told apart by `name`, which the SDK sets from the
 * `x-amzn-errortype` of the response and which survives minification (unlike class identity
 * across bundles).
 */
export function mapUpstreamError(err: unknown): ClientError {
  const e = (err ?? {}) as { name?: unknown; code?: unknown };
  // The SDK renames ECONNRESET and EPIPE errors "TimeoutError" (they are retryable for it); for
  // the client they are a broken upstream, not a slow one.
  if (e.code === "ECONNRESET" || e.code === "EPIPE" || e.code === "ECONNREFUSED") {
    return clientError(502, "upstream", MESSAGES.upstream);
  }
  switch (e.name) {
    case "ThrottlingException":
    case "ThrottledException":
    case "ServiceQuotaExceededException":
      return clientError(429, "throttled", MESSAGES.throttled, {
        "Retry-After": String(retryAfterSeconds(err)),
      });
    case "RetryableConflictException":
    case "ConflictException":
      return clientError(409, "busy", MESSAGES.busy);
    case "ValidationException":
      return clientError(400, "validation", MESSAGES.rejected);
    case "TimeoutError":
    case "RequestTimeout":
    case "RequestTimeoutException":
      return clientError(504, "timeout", MESSAGES.timeout);
    // ResourceNotFoundException (no such runtime or endpoint), AccessDeniedException (our role
    // may not call it), RuntimeClientError (the agent container failed), InternalServerException,
    // network failures and anything unknown are all the proxy's problem, not the client's.
    default:
      if (e.code === "ETIMEDOUT") return clientError(504, "timeout", MESSAGES.timeout);
      return clientError(502, "upstream", MESSAGES.upstream);
  }
}

/** The service's Retry-After when it sent a usable one (the SDK keeps the raw response). */
function retryAfterSeconds(err: unknown): number {
  const headers = (err as { $response?: { headers?: Record<string, string | undefined> } })
    .$response?.headers;
  const raw = headers?.["retry-after"] ?? headers?.["Retry-After"];
  if (raw !== undefined && /^\d{1,5}$/.test(raw.trim())) {
    return Math.max(1, Number(raw.trim()));
  }
  return DEFAULT_RETRY_AFTER_S;
}
