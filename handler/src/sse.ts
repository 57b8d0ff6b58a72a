import { createParser, type EventSourceParser } from "eventsource-parser";

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

/**
 * Where the relayed SSE byte stream stands: between events (a heartbeat comment may go in) or
 * inside one (nothing may go in, or the client would see a corrupted event). Works on raw bytes,
 * so a chunk that ends inside a UTF-8 sequence or inside a line is fine; CR, LF and CRLF line ends
 * are all handled, including a CRLF split across chunks.
 */
export class SseBoundary {
  /** True when the last byte ended a line (or nothing was received yet). */
  private lineStart = true;
  /** True when the current block has a field line, i.e. an event is half received. */
  private inBlock = false;
  /** True when the last byte was CR, so an LF right after it is part of the same line end. */
  private afterCR = false;

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF && this.afterCR) {
        this.afterCR = false;
        continue;
      }
      this.afterCR = byte === CR;
      if (byte === LF || byte === CR) {
        if (this.lineStart) this.inBlock = false; // a blank line ends the block
        this.lineStart = true;
      } else if (this.lineStart) {
        // A comment line (":...") does not open an event; any other line does.
        if (byte !== COLON) this.inBlock = true;
        this.lineStart = false;
      }
    }
  }

  /** Between events: a comment line written now cannot land inside an event. */
  get atBoundary(): boolean {
    return this.lineStart && !this.inBlock;
  }

  /** What to write to close whatever is half received, so that a line of ours starts clean. */
  get closer(): string {
    if (this.atBoundary) return "";
    return this.lineStart ? "\n" : "\n\n";
  }
}

export interface AgentEvents {
  /** Events seen so far. */
  count: number;
  /** The last event's type when it was terminal (`done` or `error`), else undefined. */
  terminal: "done" | "error" | undefined;
  /** The `code` of the agent's `event: error`, for the log. */
  agentErrorCode: string | undefined;
}

/**
 * Follows the agent's events (see docs/event-protocol.md) with eventsource-parser, to know
 * whether the answer ended properly (`done` or `error` last) or was cut. Decoding is streaming,
 * so a multi-byte character split across chunks is decoded once whole.
 */
export class AgentEventWatcher {
  readonly events: AgentEvents = { count: 0, terminal: undefined, agentErrorCode: undefined };
  private readonly decoder = new TextDecoder("utf-8");
  private readonly parser: EventSourceParser;

  constructor() {
    this.parser = createParser({
      onEvent: (event) => {
        this.events.count++;
        const type = event.event ?? "message";
        this.events.terminal = type === "done" || type === "error" ? type : undefined;
        if (type === "error") this.events.agentErrorCode = errorCode(event.data);
      },
      // An event bigger than this is not tracked (it is still relayed): the parser would
      // otherwise hold all of it in memory.
      maxBufferSize: 1024 * 1024,
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") this.parser.reset();
      },
    });
  }

  feed(chunk: Uint8Array): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }
}

function errorCode(data: string): string | undefined {
  try {
    const parsed = JSON.parse(data) as { code?: unknown };
    return typeof parsed.code === "string" ? parsed.code.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const HEARTBEAT = ": keep-alive\n\n";
