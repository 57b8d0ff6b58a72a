import type { Readable } from "node:stream";
import type { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import {
  InvokeAgentRuntimeCommand,
  StopRuntimeSessionCommand,
  type BedrockAgentCoreClient,
} from "@aws-sdk/client-bedrock-agentcore";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { cancelTurn, type SessionTarget } from "./cancel";
import type { ConfigResult } from "./config";
import {
  clientError,
  errorDetail,
  mapUpstreamError,
  MESSAGES,
  type ClientError,
  type ErrorCode,
} from "./errors";
import { relay, type AbortCause } from "./relay";
import { header, parseInvokeRequest, route } from "./request";
import {
  corsHeaders,
  endStream,
  openStream,
  PREFLIGHT_HEADERS,
  sendError,
  sendJson,
  SSE_CONTENT_TYPE,
  type HeaderMap,
  type ResponseStream,
} from "./response";
import {
  callerIdentity,
  isValidSessionId,
  newSessionId,
  runtimeSessionId,
  runtimeUserId,
  SESSION_ID_RULE,
  sessionHash,
} from "./session";

export interface Deps {
  config: ConfigResult;
  client: Pick<BedrockAgentCoreClient, "send">;
  logger: Logger;
  metrics: Metrics;
}

/** The one log line per request. Never the prompt, the answer or a raw session id. */
interface Summary {
  route: string;
  status?: number;
  outcome: string;
  errorCode?: ErrorCode | string;
  sessionHash?: string;
  identity?: string;
  upstreamError?: ReturnType<typeof errorDetail>;
  timeToFirstByteMs?: number;
  bytes?: number;
  heartbeats?: number;
  events?: number;
  agentErrorCode?: string;
  /** Cancel route, and the cancel sent when the proxy itself aborts: whether a turn was stopped. */
  cancelled?: boolean;
  cancelError?: ReturnType<typeof errorDetail>;
  durationMs?: number;
}

type ReadyConfig = Extract<ConfigResult, { ok: true }>["config"];

/**
 * One request: the abort controller shared by the upstream call, the deadline timer and the
 * client-disconnect watch; whether the answer has been committed (prelude sent); the headers
 * every answer carries; and the summary that becomes the log line.
 */
class Exchange {
  readonly controller = new AbortController();
  readonly started = Date.now();
  readonly summary: Summary = { route: "unknown", outcome: "unknown" };
  /** CORS headers, then X-Session-Id once known. */
  readonly headers: HeaderMap;
  readonly requestId: string;
  /** The cancel sent to the agent when the proxy aborts an answer; awaited before the end. */
  cancelling: Promise<void> | undefined;
  private readonly deadline: NodeJS.Timeout;

  constructor(
    readonly event: APIGatewayProxyEvent,
    readonly stream: ResponseStream,
    context: Context,
    config: ReadyConfig | undefined,
  ) {
    this.requestId = event?.requestContext?.requestId ?? context.awsRequestId;
    this.headers = corsHeaders(config?.cors, header(event, "origin"));
    // Lambda never reports a client disconnect to a streaming function (streamed responses "are
    // not interrupted or stopped when the invoking client connection is broken"); a close or error
    // before the answer finished comes only from a host that does report one (a local host in
    // its disconnect mode). Then the upstream stops at once rather than running, and billing,
    // to the end. In AWS only the deadline and an explicit cancel stop an answer.
    stream.on("close", this.onGone);
    stream.on("error", this.onGone);
    const remaining = context.getRemainingTimeInMillis() - (config?.deadlineMarginMs ?? 0);
    this.deadline = setTimeout(() => this.abort("deadline"), Math.max(0, remaining));
  }

  /** Whether a status went out (the prelude is sent): every answer sets one. */
  get committed(): boolean {
    return this.summary.status !== undefined;
  }

  private readonly onGone = (): void => {
    if (!this.stream.writableFinished) this.abort("client");
  };

  abort(cause: AbortCause): void {
    if (!this.controller.signal.aborted) this.controller.abort(cause);
  }

  /** Why the proxy aborted, if it did. */
  get cause(): AbortCause | undefined {
    return this.controller.signal.aborted
      ? (this.controller.signal.reason as AbortCause)
      : undefined;
  }

  /** Answers with an error before any streaming. */
  async answer(error: ClientError, outcome = "rejected"): Promise<void> {
    this.summary.status = error.status;
    this.summary.errorCode = error.code;
    this.summary.outcome = outcome;
    this.summary.bytes = await sendError(this.stream, error, this.requestId, this.headers);
  }

  /**
   * Scopes the client's session id to the caller (see session.ts), names it in the answer's
   * X-Session-Id and, hashed, in the log line.
   */
  scopeSession(clientSession: string, config: ReadyConfig): SessionTarget {
    const identity = callerIdentity(this.event);
    const runtimeSession = runtimeSessionId(clientSession, identity, config.sessionKey);
    this.headers["X-Session-Id"] = clientSession;
    this.summary.sessionHash = sessionHash(runtimeSession);
    this.summary.identity = identity?.kind ?? "none";
    return {
      agentRuntimeArn: config.agentRuntimeArn,
      qualifier: config.qualifier,
      runtimeSessionId: runtimeSession,
      runtimeUserId: identity === undefined ? undefined : runtimeUserId(identity),
    };
  }

  /** Answers 204 with no body. */
  async noContent(headers: HeaderMap = this.headers): Promise<void> {
    this.summary.status = 204;
    await sendJson(this.stream, 204, headers);
  }

  /** Answers with a JSON body. */
  async json(status: number, body: unknown): Promise<void> {
    this.summary.status = status;
    this.summary.bytes = await sendJson(this.stream, status, this.headers, body);
  }

  dispose(): void {
    clearTimeout(this.deadline);
    this.stream.removeListener("close", this.onGone);
    this.stream.removeListener("error", this.onGone);
  }
}

export async function handleRequest(
  event: APIGatewayProxyEvent,
  stream: ResponseStream,
  context: Context,
  deps: Deps,
): Promise<void> {
  const { logger, metrics } = deps;
  const config = deps.config.ok ? deps.config.config : undefined;
  const ex = new Exchange(event, stream, context, config);
  logger.addContext(context);
  logger.appendKeys({ requestId: ex.requestId });

  try {
    if (config === undefined) {
      if (!deps.config.ok)
        logger.error("invalid configuration", { problems: deps.config.problems });
      await ex.answer(clientError(500, "internal", MESSAGES.internal), "misconfigured");
      return;
    }
    const r = route(event);
    ex.summary.route = r.kind;
    switch (r.kind) {
      case "invoke":
        return await invoke(ex, config, deps.client);
      case "stopSession":
        return await stopSession(ex, r.sessionId, config, deps.client);
      case "cancelTurn":
        return await cancelSession(ex, r.sessionId, config, deps.client);
      case "preflight":
        ex.summary.outcome = "preflight";
        return await ex.noContent(
          "Access-Control-Allow-Origin" in ex.headers
            ? { ...ex.headers, ...PREFLIGHT_HEADERS }
            : ex.headers,
        );
      case "methodNotAllowed":
        return await ex.answer(
          clientError(405, "method_not_allowed", "Method not allowed", { Allow: r.allow }),
        );
      case "notFound":
        return await ex.answer(clientError(404, "not_found", "Not found"));
    }
  } catch (err) {
    ex.summary.outcome = "internal_error";
    ex.summary.upstreamError = errorDetail(err);
    logger.error("unexpected failure", { error: ex.summary.upstreamError });
  } finally {
    ex.dispose();
    // Every path must leave a well-formed, ended answer: an uncommitted stream would reach API
    // Gateway without a prelude, and an unended one keeps the runtime waiting (and billing)
    // until the function times out.
    if (!ex.committed && ex.cause !== "client") {
      await ex.answer(clientError(500, "internal", MESSAGES.internal), ex.summary.outcome);
    }
    // The stream ends once the agent has been told to stop, so the deadline error event is out
    // first but the invocation (and its billing) does not outlive the answer it aborted.
    await ex.cancelling;
    await endStream(stream);
    ex.summary.durationMs = Date.now() - ex.started;
    logger.info("request", { ...ex.summary });
    record(metrics, ex.summary);
    logger.resetKeys();
  }
}

async function invoke(ex: Exchange, config: ReadyConfig, client: Deps["client"]): Promise<void> {
  const { summary } = ex;
  const parsed = parseInvokeRequest(ex.event, config.maxBodyBytes);
  if (!parsed.ok) return ex.answer(parsed.error);

  const target = ex.scopeSession(parsed.value.sessionId ?? newSessionId(), config);
  if (ex.cause !== undefined) return upstreamFailed(ex, undefined);
  // When the proxy gives up on the answer (its deadline; a client disconnect, where a host reports
  // one), the turn would run on in the agent: tell it to stop.
  ex.controller.signal.addEventListener(
    "abort",
    () => (ex.cancelling = cancelOnAbort(ex, client, target, config)),
    { once: true },
  );

  let response;
  try {
    response = await client.send(
      new InvokeAgentRuntimeCommand({
        ...target,
        traceId: traceId(ex.event),
        // Every invoke asks for SSE: a streaming agent answers 406 without it.
        accept: "text/event-stream",
        contentType: "application/json",
        payload: Buffer.from(JSON.stringify(parsed.value.payload), "utf8"),
      }),
      { abortSignal: ex.controller.signal },
    );
  } catch (err) {
    return upstreamFailed(ex, err);
  }

  const upstream = response.response as (Readable & AsyncIterable<Uint8Array>) | undefined;
  if (upstream === undefined || ex.cause !== undefined) {
    upstream?.destroy();
    return upstreamFailed(ex, undefined);
  }
  // Abort tears the socket down through the SDK; destroying the body as well makes sure the
  // relay's read loop ends at once.
  ex.controller.signal.addEventListener("abort", () => upstream.destroy(), { once: true });

  const upstreamType = response.contentType ?? "application/octet-stream";
  const sse = /^text\/event-stream\b/i.test(upstreamType);
  summary.status = 200;
  const out = openStream(
    ex.stream,
    sse ? SSE_CONTENT_TYPE : safeContentType(upstreamType),
    ex.headers,
  );
  const result = await relay({
    upstream,
    out,
    sse,
    heartbeatMs: config.heartbeatMs,
    requestId: ex.requestId,
    abortCause: () => ex.cause,
  });
  summary.outcome = result.outcome;
  summary.bytes = result.bytes;
  summary.heartbeats = result.heartbeats;
  summary.events = result.events;
  summary.agentErrorCode = result.agentErrorCode;
  if (result.firstByteAt !== undefined) summary.timeToFirstByteMs = result.firstByteAt - ex.started;
  summary.errorCode = result.errorCode;
  if (result.error !== undefined && result.outcome !== "complete") {
    summary.upstreamError = errorDetail(result.error);
  }
}

/**
 * The caller's runtime session for the id in the path (DELETE and cancel), or, for a malformed
 * id, a 400 answer and nothing.
 */
async function sessionFromPath(
  ex: Exchange,
  sessionId: string | undefined,
  config: ReadyConfig,
): Promise<SessionTarget | undefined> {
  if (isValidSessionId(sessionId)) return ex.scopeSession(sessionId, config);
  await ex.answer(clientError(400, "validation", SESSION_ID_RULE));
  return undefined;
}

async function stopSession(
  ex: Exchange,
  sessionId: string | undefined,
  config: ReadyConfig,
  client: Deps["client"],
): Promise<void> {
  const target = await sessionFromPath(ex, sessionId, config);
  if (target === undefined) return;
  const { agentRuntimeArn, qualifier, runtimeSessionId } = target;
  try {
    await client.send(
      new StopRuntimeSessionCommand({ agentRuntimeArn, qualifier, runtimeSessionId }),
      { abortSignal: ex.controller.signal },
    );
    ex.summary.outcome = "stopped";
  } catch (err) {
    // Stopping is idempotent for the client: a session that is not running (never started,
    // already ended, or another caller's id, which scopes to a session of this caller's own)
    // is as stopped as it gets.
    if ((err as { name?: unknown }).name !== "ResourceNotFoundException" || ex.cause) {
      return upstreamFailed(ex, err);
    }
    ex.summary.outcome = "not_running";
  }
  await ex.noContent();
}

/**
 * POST /sessions/{sessionId}/cancel: stops the answer in progress in the caller's own session
 * (the id is scoped exactly as for /invoke, so another caller's id names a session of this
 * caller's), and says whether one was running.
 */
async function cancelSession(
  ex: Exchange,
  sessionId: string | undefined,
  config: ReadyConfig,
  client: Deps["client"],
): Promise<void> {
  const target = await sessionFromPath(ex, sessionId, config);
  if (target === undefined) return;
  try {
    ex.summary.cancelled = await cancelTurn(client, target, ex.controller.signal);
  } catch (err) {
    return upstreamFailed(ex, err);
  }
  ex.summary.outcome = ex.summary.cancelled ? "cancelled" : "not_running";
  await ex.json(200, { cancelled: ex.summary.cancelled });
}

/**
 * How long the cancel sent on an abort may take: the deadline leaves DEADLINE_MARGIN_MS (3 s by
 * default) before Lambda's own timeout, which must also cover the error event and the end.
 */
const ABORT_CANCEL_TIMEOUT_MS = 2_000;

/** Sends the cancel for an answer the proxy aborted, and records how it went. Never rejects. */
async function cancelOnAbort(
  ex: Exchange,
  client: Deps["client"],
  target: SessionTarget,
  config: ReadyConfig,
): Promise<void> {
  const timeoutMs = Math.min(ABORT_CANCEL_TIMEOUT_MS, Math.max(1, config.deadlineMarginMs - 500));
  try {
    ex.summary.cancelled = await cancelTurn(client, target, AbortSignal.timeout(timeoutMs));
  } catch (err) {
    ex.summary.cancelError = errorDetail(err);
  }
}

async function upstreamFailed(ex: Exchange, err: unknown): Promise<void> {
  if (err !== undefined) ex.summary.upstreamError = errorDetail(err);
  switch (ex.cause) {
    case "client":
      ex.summary.outcome = "client_disconnected";
      return;
    case "deadline":
      return ex.answer(clientError(504, "deadline", MESSAGES.timeout), "deadline");
    default:
      return ex.answer(mapUpstreamError(err), "upstream_error");
  }
}

/** X-Amzn-Trace-Id as AgentCore's traceId, when it is a plausible header value. */
function traceId(event: APIGatewayProxyEvent): string | undefined {
  const value = header(event, "x-amzn-trace-id");
  return value !== undefined && /^[\x21-\x7e]{1,256}$/.test(value) ? value : undefined;
}

function safeContentType(value: string): string {
  return /^[\x20-\x7e]{1,200}$/.test(value) ? value : "application/octet-stream";
}

function record(metrics: Metrics, summary: Summary): void {
  if (summary.timeToFirstByteMs !== undefined) {
    metrics.addMetric("TimeToFirstByte", MetricUnit.Milliseconds, summary.timeToFirstByteMs);
  }
  if (summary.route === "invoke" && summary.status === 200) {
    metrics.addMetric("StreamedBytes", MetricUnit.Bytes, summary.bytes ?? 0);
    metrics.addMetric("StreamDuration", MetricUnit.Milliseconds, summary.durationMs ?? 0);
  }
  if (summary.errorCode !== undefined) {
    // One metric per error code: a dimension on a single-metric EMF document of its own, so
    // the other metrics keep their plain dimensions.
    const single = metrics.singleMetric();
    single.addDimension("ErrorCode", String(summary.errorCode));
    single.addMetric("Errors", MetricUnit.Count, 1);
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
