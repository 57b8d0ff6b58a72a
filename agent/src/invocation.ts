// One POST /invocations: claim the session, stream the agent's answer as protocol events, and
// leave the session clean whatever happens (finished, failed, or abandoned by the client).
import type { Agent, AgentStreamEvent } from "@strands-agents/sdk";
import type { RequestContext } from "bedrock-agentcore/runtime";
import { classifyError, MESSAGES } from "./errors.js";
import { errorEvent, InvocationEvents, type ProtocolEvent } from "./events.js";
import type { SessionPool } from "./sessions.js";

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
 * Streams one answer. The generator body only starts when the runtime starts sending events, so
 * nothing is claimed for a request the runtime rejects (a missing `Accept: text/event-stream`).
 *
 * The final `done` or `error` event is yielded after the session is released and /ping is back to
 * Healthy: a client that sends its next message as soon as it sees `done` must not get `busy`.
 */
export async function* streamAnswer(
  deps: InvocationDeps,
  request: InvocationRequest,
): AsyncGenerator<ProtocolEvent, void, undefined> {
  const { prompt, context, disconnected } = request;
  // Gone before the first event: nothing to answer, nothing to claim.
  if (disconnected?.aborted) return;
  const acquired = deps.sessions.acquire(context.sessionId);
  if (!acquired.ok) {
    context.log.info({ sessionId: context.sessionId }, "session busy; request refused");
    yield errorEvent("busy", MESSAGES.busy, context.requestId);
    return;
  }
  const { lease } = acquired;
  const agent = lease.value;
  const endActivity = deps.beginActivity();
  const startedAt = Date.now();
  let final: ProtocolEvent | undefined;

  // A failed or abandoned turn is rolled back, so the next turn does not find a question without
  // an answer (Bedrock rejects two user messages in a row) or a half answer the user never saw.
  const history = agent.messages.slice();
  const stop = new AbortController();
  const cancelSignal = disconnected ? AbortSignal.any([stop.signal, disconnected]) : stop.signal;
  const events = new InvocationEvents();
  // Iterated by hand, not with for-await: leaving a for-await early calls return() on the Strands
  // stream, and a generator that yields during its own cleanup (Strands does, when cancelled)
  // would then stay suspended with the agent still locked. Instead it is always driven to its end.
  let stream: AsyncGenerator<AgentStreamEvent, unknown, undefined> | undefined;
  let streamEnded = false;

  try {
    stream = agent.stream(prompt, { cancelSignal });
    while (true) {
      let next: IteratorResult<AgentStreamEvent, unknown>;
      try {
        next = await stream.next();
      } catch (error) {
        streamEnded = true;
        if (!cancelSignal.aborted) {
          const classified = classifyError(error);
          context.log.error({ err: error, code: classified.code }, "invocation failed");
          final = errorEvent(classified.code, classified.message, context.requestId);
        }
        break;
      }
      if (next.done) {
        streamEnded = true;
        // A cancelled invocation only happens when the client left: nobody to tell.
        if (!cancelSignal.aborted && events.stopReason !== "cancelled") {
          final = events.done();
        }
        break;
      }
      const event = events.map(next.value);
      if (event !== undefined) yield event;
    }
  } catch (error) {
    // Our own bug, not the model's. Never let it escape: the runtime would send it as an
    // `event: error` of its own shape, outside the protocol.
    context.log.error({ err: error }, "invocation failed inside the agent");
    final = errorEvent("internal", MESSAGES.internal, context.requestId);
  } finally {
    // Reached with the stream still running only when the runtime stopped reading (the client
    // went away between two events). Cancel the model call and let the agent finish its cleanup.
    if (stream !== undefined && !streamEnded) {
      stop.abort();
      await drain(stream);
    }
    if (final?.event !== "done") {
      agent.messages.splice(0, agent.messages.length, ...history);
    }
    lease.release();
    endActivity();
    context.log.info(
      { sessionId: context.sessionId, outcome: outcome(final), ms: Date.now() - startedAt },
      "invocation finished",
    );
  }
  // After the clean-up above, so the session is free (and /ping Healthy) when the client sees it.
  if (final !== undefined) yield final;
}

function outcome(final: ProtocolEvent | undefined): string {
  if (final === undefined) return "disconnected";
  if (final.event === "done") return final.data.stopReason;
  if (final.event === "error") return final.data.code;
  return final.event;
}

async function drain(stream: AsyncGenerator<unknown, unknown, undefined>): Promise<void> {
  try {
    while (!(await stream.next()).done) {
      // Events of a cancelled invocation are dropped.
    }
  } catch {
    // The invocation was cancelled; how it ended no longer matters.
  }
}
