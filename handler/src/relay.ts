import { Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MESSAGES, type ErrorCode } from "./errors";
import { AgentEventWatcher, HEARTBEAT, SseBoundary, sseEvent } from "./sse";

/** Why the proxy aborted the upstream call itself. */
export type AbortCause = "deadline" | "client";

export interface RelayOptions {
  /** The agent's answer body (the SDK's response stream). */
  upstream: AsyncIterable<Uint8Array>;
  /** The response stream, its prelude already committed. */
  out: Writable;
  /** text/event-stream: heartbeats and a closing `event: error` apply. */
  sse: boolean;
  heartbeatMs: number;
  requestId: string;
  /** Set once the proxy aborted the upstream call (deadline, client gone). */
  abortCause: () => AbortCause | undefined;
}

export type RelayOutcome =
  | "complete"
  | "agent_error"
  | "upstream_incomplete"
  | "upstream_cut"
  | "deadline"
  | "client_disconnected";

/** The outcomes that are errors, with the code the log, the metrics and the error event use. */
const ERROR_CODES: Partial<Record<RelayOutcome, ErrorCode>> = {
  deadline: "deadline",
  upstream_cut: "upstream",
  upstream_incomplete: "upstream",
};

export interface RelayResult {
  outcome: RelayOutcome;
  /** Set when the outcome is an error of the relay's own (not the agent's error event). */
  errorCode: ErrorCode | undefined;
  /** Bytes written to the client: the agent's, heartbeats and the proxy's own error event. */
  bytes: number;
  /** When the agent's first byte was written (ms since epoch). */
  firstByteAt: number | undefined;
  heartbeats: number;
  events: number;
  agentErrorCode: string | undefined;
  /** The error that ended the upstream or the output early, for the log. */
  error: unknown;
}

/**
 * Relays the agent's answer to the client byte for byte. Each upstream chunk is pushed the moment
 * it arrives (no re-chunking, no decoding, so a UTF-8 sequence split across chunks reaches the
 * client as it came), and `pipeline` carries backpressure from the client back to the upstream
 * socket. While the agent is silent, an SSE comment keeps API Gateway's idle timeout at bay, but
 * only between events. When the upstream fails after the stream started, the status is long gone:
 * the client gets one `event: error` and a clean end instead.
 */
export async function relay(options: RelayOptions): Promise<RelayResult> {
  const result: RelayResult = {
    outcome: "complete",
    errorCode: undefined,
    bytes: 0,
    firstByteAt: undefined,
    heartbeats: 0,
    events: 0,
    agentErrorCode: undefined,
    error: undefined,
  };
  let upstreamError: unknown;

  // The upstream's errors are caught here, not left to pipeline, which would destroy the
  // response stream with them: the client must still get its closing event.
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of options.upstream) yield chunk;
    } catch (err) {
      upstreamError = err;
    }
  }

  const transform = new RelayTransform(options, result, () => upstreamError);
  try {
    await pipeline(source, transform, options.out);
  } catch (err) {
    // The response stream failed (closed, write error): the client is gone.
    result.outcome = "client_disconnected";
    result.error = err;
  } finally {
    transform.stopHeartbeat();
  }
  if (result.error === undefined && upstreamError !== undefined) result.error = upstreamError;
  return result;
}

class RelayTransform extends Transform {
  private readonly boundary: SseBoundary | undefined;
  private readonly watcher: AgentEventWatcher | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: RelayOptions,
    private readonly result: RelayResult,
    private readonly upstreamError: () => unknown,
  ) {
    super();
    if (options.sse) {
      this.boundary = new SseBoundary();
      this.watcher = new AgentEventWatcher();
      this.heartbeat = setTimeout(() => this.beat(), options.heartbeatMs);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.result.firstByteAt ??= Date.now();
    this.boundary?.feed(chunk);
    this.watcher?.feed(chunk);
    this.emitBytes(chunk);
    this.heartbeat?.refresh(); // silence is counted from the agent's last byte
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.stopHeartbeat();
    const events = this.watcher?.events;
    this.result.events = events?.count ?? 0;
    this.result.agentErrorCode = events?.agentErrorCode;
    const cause = this.options.abortCause();
    const outcome: RelayOutcome =
      cause === "client"
        ? "client_disconnected"
        : events?.terminal !== undefined
          ? // The agent finished its answer (done or its own error event); anything after is moot.
            events.terminal === "done"
            ? "complete"
            : "agent_error"
          : cause === "deadline"
            ? "deadline"
            : this.upstreamError() !== undefined
              ? "upstream_cut"
              : // An SSE answer that ends without its closing event is incomplete; a JSON
                // answer has no closing event to miss.
                this.options.sse
                ? "upstream_incomplete"
                : "complete";
    const code = ERROR_CODES[outcome];
    this.result.outcome = outcome;
    this.result.errorCode = code;
    // A JSON answer has no way to carry an error after its start: it just ends (the log and
    // metrics still tell). An SSE one gets an error event, after closing a half-received event
    // so that it parses on its own. (That event reaches the client truncated; nothing can take
    // back bytes already sent.)
    if (code !== undefined && this.boundary !== undefined) {
      const message = outcome === "deadline" ? MESSAGES.deadline : MESSAGES.cut;
      const tail =
        this.boundary.closer +
        sseEvent("error", { code, message, requestId: this.options.requestId });
      this.emitBytes(Buffer.from(tail, "utf8"));
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopHeartbeat();
    callback(error);
  }

  stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
  }

  private beat(): void {
    if (this.heartbeat === undefined || this.destroyed) return;
    // Mid-event the comment would corrupt the event: wait for the next period instead.
    if (this.boundary?.atBoundary === true) {
      this.result.heartbeats++;
      this.emitBytes(Buffer.from(HEARTBEAT, "utf8"));
    }
    this.heartbeat.refresh();
  }

  private emitBytes(bytes: Buffer): void {
    this.result.bytes += bytes.length;
    this.push(bytes);
  }
}
