// One POST /invocations: claim the session, stream the agent's answer as protocol events, and
// leave the session clean whatever happens (finished, failed, cancelled, or abandoned by the
// client); or, for a `{"cancel": true}` invocation, stop the answer in progress in the session.
import { Readable } from "node:stream";
import { Message, TextBlock, type Agent } from "@strands-agents/sdk";
import type { RequestContext } from "bedrock-agentcore/runtime";
import { classifyError, MESSAGES } from "./errors.js";
import { errorEvent, InvocationEvents, type ProtocolEvent } from "./events.js";
import type { Lease, SessionPool } from "./sessions.js";

export interface InvocationDeps {
  sessions: SessionPool<Agent>;
  /** Marks the process busy for /ping (HealthyBusy) until the returned function is called. */
  beginActivity: () => () => void;
}

export interface InvocationRequest {
  prompt: string;
  context: RequestContext;
  /** Aborts when the client disconnects. */
  disconnected: AbortSignal | undefined;
}

/**
 * How long a cancel waits for the cancelled answer to wind down (the model request reset, the
 * session released) before it answers anyway. A tool that ignores its abort signal is the only
 * thing that takes longer.
 */
const CANCEL_WAIT_MS = 5_000;

/**
 * Streams one answer. The generator body only starts when the runtime starts sending events, so
 * nothing is claimed for a request the runtime rejects (a missing `Accept: text/event-stream`).
 *
 * The turn runs on its own (`runTurn`), handing its events over through a queue, so it ends and
 * frees the session whether or not the runtime reads on. That matters: when a client disconnects
 * while the runtime waits for its socket to drain, @fastify/sse (0.4.0) waits for a `drain` that
 * never comes, so the runtime never asks for the next event; a turn driven by the runtime's reads
 * would then hold the session (busy, /ping HealthyBusy) until the microVM ends.
 */
export async function* streamAnswer(
  deps: InvocationDeps,
  request: InvocationRequest,
): AsyncGenerator<ProtocolEvent, void, undefined> {
  const { context, disconnected } = request;
  // Gone before the first event: nothing to answer, nothing to claim.
  if (disconnected?.aborted) return;
  const acquired = deps.sessions.acquire(context.sessionId);
  if (!acquired.ok) {
    context.log.info({ sessionId: context.sessionId }, "session busy; request refused");
    yield errorEvent("busy", MESSAGES.busy, context.requestId);
    return;
  }
  // Unbounded: an answer is at most maxTokens of small events, and the turn must never wait for
  // the runtime (see above).
  const queue = new Readable({ objectMode: true, read: () => undefined });
  const stopped = new AbortController();
  void runTurn(deps, acquired.lease, request, stopped.signal, (event) => queue.push(event)).then(
    () => queue.push(null),
  );
  try {
    for await (const event of queue) yield event as ProtocolEvent;
  } finally {
    // Reached early only when the runtime stopped reading: the turn is cancelled and cleans up.
    stopped.abort();
  }
}

/**
 * One turn of the agent, from the claimed session to the final event, which is handed over after
 * the session is released and /ping is back to Healthy: a client that sends its next message as
 * soon as it sees `done` must not get `busy`.
 *
 * One abort path serves a `{"cancel": true}` invocation, a client that disconnects and a runtime
 * that stops reading: Strands' cancel signal reaches the model request (the AWS SDK resets its
 * HTTP/2 stream) and any running tool, the answer ends with `done` and stop reason `cancelled`,
 * and the session keeps the question with the part of the answer that was sent (see
 * `keepWhatWasSent`). Never rejects.
 */
async function runTurn(
  deps: InvocationDeps,
  lease: Lease<Agent>,
  request: InvocationRequest,
  stopped: AbortSignal,
  emit: (event: ProtocolEvent) => void,
): Promise<void> {
  const { prompt, context, disconnected } = request;
  const agent = lease.value;
  const endActivity = deps.beginActivity();
  const startedAt = Date.now();
  let final: ProtocolEvent | undefined;

  const history = agent.messages.slice();
  const cancelSignal = AbortSignal.any(
    [stopped, lease.cancelled, disconnected].filter((s) => s !== undefined),
  );
  const events = new InvocationEvents();
  // The text that went to the client: what the user saw of an answer that was cancelled.
  let sent = "";

  try {
    // Driven to its end even when cancelled: Strands winds down (and closes the user's turn)
    // inside the stream.
    for await (const event of agent.stream(prompt, { cancelSignal })) {
      const mapped = events.map(event);
      // Once cancelled, nothing more is sent: Strands may still hand over what it had buffered.
      if (mapped === undefined || cancelSignal.aborted) continue;
      if (mapped.event === "text") sent += mapped.data.text;
      emit(mapped);
    }
    if (!cancelSignal.aborted && events.stopReason !== "cancelled") final = events.done();
  } catch (error) {
    if (!cancelSignal.aborted) {
      const classified = classifyError(error);
      context.log.error({ err: error, code: classified.code }, "invocation failed");
      final = errorEvent(classified.code, classified.message, context.requestId);
    }
  }
  if (final === undefined) {
    final = events.cancelled();
    keepWhatWasSent(agent, history, prompt, sent);
  } else if (final.event !== "done") {
    // A failed turn is rolled back, so the next turn does not find a question without an answer
    // (Bedrock rejects two user messages in a row).
    agent.messages.splice(0, agent.messages.length, ...history);
  }
  lease.release();
  endActivity();
  context.log.info(
    {
      sessionId: context.sessionId,
      outcome: outcome(final),
      ...(final.event === "done" && final.data.stopReason === "cancelled"
        ? { cancelledBy: cancelCause(lease.cancelled, disconnected) }
        : {}),
      ms: Date.now() - startedAt,
    },
    "invocation finished",
  );
  emit(final);
}

/**
 * A `{"cancel": true}` invocation: stops the answer in progress in this session, if any, and
 * answers once it has ended (or after CANCEL_WAIT_MS). AgentCore routes every invocation of a
 * runtime session to the same microVM, even while another one of that session is streaming, so
 * this reaches the process that runs the answer.
 */
export async function cancelTurn(
  deps: InvocationDeps,
  context: RequestContext,
): Promise<{ cancelled: boolean }> {
  const cancelled = await deps.sessions.cancel(context.sessionId, CANCEL_WAIT_MS);
  context.log.info({ sessionId: context.sessionId, cancelled }, "cancel");
  return { cancelled };
}

/**
 * What a cancelled turn leaves in the session, as chat products do: the question and the part of
 * the answer that was sent, so the next turn can refer to both. Tool calls of the cancelled turn
 * are not kept (a tool use without its result is not a valid conversation). A turn cancelled
 * before any text was sent is dropped as if it had not been asked: Bedrock needs an answer
 * between two questions, and there is none to keep.
 */
function keepWhatWasSent(agent: Agent, history: Message[], prompt: string, sent: string): void {
  const kept =
    sent.trim() === ""
      ? history
      : [
          ...history,
          new Message({ role: "user", content: [new TextBlock(prompt)] }),
          new Message({ role: "assistant", content: [new TextBlock(sent)] }),
        ];
  agent.messages.splice(0, agent.messages.length, ...kept);
}

function cancelCause(cancelled: AbortSignal, disconnected: AbortSignal | undefined): string {
  if (cancelled.aborted) return "cancel";
  if (disconnected?.aborted) return "disconnect";
  return "runtime";
}

function outcome(final: ProtocolEvent): string {
  if (final.event === "done") return final.data.stopReason;
  if (final.event === "error") return final.data.code;
  return final.event;
}
