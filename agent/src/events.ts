// The event protocol (docs/event-protocol.md) and the translation of Strands stream events into it.
// Each value here is an SSE message as `@fastify/sse` sends it: `event: <event>` and one
// `data: <JSON>` line (JSON.stringify never emits a raw newline, so data is always one line).
import type { AgentResult, AgentStreamEvent } from "@strands-agents/sdk";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type ErrorCode = "busy" | "throttled" | "model_error" | "validation" | "internal";

export type ToolEventData =
  | { phase: "start"; toolUseId: string; name: string; input: unknown }
  | { phase: "result"; toolUseId: string; name: string; status: "success" | "error" };

export type ProtocolEvent =
  | { event: "text"; data: { text: string } }
  | { event: "tool"; data: ToolEventData }
  | { event: "done"; data: { stopReason: string; usage?: Usage } }
  | { event: "error"; data: { code: ErrorCode; message: string; requestId?: string } };

export function errorEvent(code: ErrorCode, message: string, requestId?: string): ProtocolEvent {
  return { event: "error", data: requestId ? { code, message, requestId } : { code, message } };
}

/**
 * Follows one agent invocation: turns each Strands event into at most one protocol event, and
 * keeps what the final `done` event needs (the stop reason and the token usage summed over every
 * model call of the invocation, since a tool round trip makes several).
 */
export class InvocationEvents {
  private readonly usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  /** Whether any model call has reported its usage yet (a cancelled one never does). */
  private usageKnown = false;
  private result: AgentResult | undefined;

  map(event: AgentStreamEvent): ProtocolEvent | undefined {
    switch (event.type) {
      case "modelStreamUpdateEvent": {
        const update = event.event;
        if (update.type === "modelContentBlockDeltaEvent" && update.delta.type === "textDelta") {
          // Empty deltas carry nothing a client could show.
          return update.delta.text === ""
            ? undefined
            : { event: "text", data: { text: update.delta.text } };
        }
        if (update.type === "modelMetadataEvent" && update.usage !== undefined) {
          this.usage.inputTokens += update.usage.inputTokens;
          this.usage.outputTokens += update.usage.outputTokens;
          this.usage.totalTokens += update.usage.totalTokens;
          this.usageKnown = true;
        }
        return undefined;
      }
      case "beforeToolCallEvent": {
        const { toolUseId, name, input } = event.toolUse;
        return { event: "tool", data: { phase: "start", toolUseId, name, input } };
      }
      case "afterToolCallEvent": {
        const { toolUseId, name } = event.toolUse;
        return {
          event: "tool",
          data: { phase: "result", toolUseId, name, status: event.result.status },
        };
      }
      case "agentResultEvent":
        this.result = event.result;
        return undefined;
      default:
        // Reasoning, citations, lifecycle and hook events are not part of the protocol.
        return undefined;
    }
  }

  /** The stop reason of the finished invocation, or undefined if it has not finished. */
  get stopReason(): string | undefined {
    return this.result?.stopReason;
  }

  done(): ProtocolEvent {
    return {
      event: "done",
      data: { stopReason: this.result?.stopReason ?? "endTurn", usage: { ...this.usage } },
    };
  }

  /**
   * The end of a cancelled answer. The model call that was cut reports no usage (its metadata
   * comes last), so `usage` covers the calls that finished before it, and is left out when none
   * did rather than claiming zero tokens.
   */
  cancelled(): ProtocolEvent {
    return {
      event: "done",
      data: { stopReason: "cancelled", ...(this.usageKnown && { usage: { ...this.usage } }) },
    };
  }
}
