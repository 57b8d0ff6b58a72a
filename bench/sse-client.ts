import { createParser } from "eventsource-parser";
import { Agent, request } from "node:http";
import { nowMs } from "./synthetic-agent";

/**
 * One streamed request, timed by the client: time to first byte (request sent → first body byte)
 * and, for each event that carries `sentAt` (the synthetic agent's send time), its delivery
 * latency on the same wall clock. Events are parsed incrementally as chunks arrive, and every
 * event in a chunk gets the chunk's arrival time.
 */

export interface StreamTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** A keep-alive agent per target, so connection setup is not what is measured. */
  agent: Agent;
}

export interface StreamOutcome {
  status: number;
  ttfbMs: number;
  /** Request sent → the last byte. */
  totalMs: number;
  /** Delivery latency of each event with `sentAt`, in order. */
  eventLatencyMs: number[];
  events: number;
  /** The stream ended with `event: done`. */
  done: boolean;
  bytes: number;
  error?: string;
}

/**
 * Times one stream from its chunks: construct it when the request goes out, feed it each body
 * chunk as it arrives, finish it at the end.
 */
export class StreamTimer {
  readonly outcome: StreamOutcome = {
    status: 0,
    ttfbMs: NaN,
    totalMs: NaN,
    eventLatencyMs: [],
    events: 0,
    done: false,
    bytes: 0,
  };
  private readonly started = performance.now();
  private readonly decoder = new TextDecoder();
  /** The arrival time of the chunk being parsed: every event it completes arrived then. */
  private arrived = 0;
  private readonly parser = createParser({
    onEvent: (event) => {
      const o = this.outcome;
      o.events++;
      if (event.event === "done") o.done = true;
      const sentAt = (JSON.parse(event.data) as { sentAt?: unknown }).sentAt;
      if (typeof sentAt === "number") o.eventLatencyMs.push(this.arrived - sentAt);
    },
  });

  chunk(chunk: Uint8Array): void {
    this.arrived = nowMs();
    const o = this.outcome;
    if (o.bytes === 0) o.ttfbMs = performance.now() - this.started;
    o.bytes += chunk.length;
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  finish(error?: string): StreamOutcome {
    this.outcome.totalMs = performance.now() - this.started;
    if (error !== undefined) this.outcome.error ??= error;
    return this.outcome;
  }
}

export function streamRequest(target: StreamTarget): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const timer = new StreamTimer();
    const req = request(target.url, {
      method: "POST",
      agent: target.agent,
      headers: { ...target.headers, "content-length": Buffer.byteLength(target.body) },
    });
    req.on("error", (err) => resolve(timer.finish(err.message)));
    req.on("response", (res) => {
      timer.outcome.status = res.statusCode ?? 0;
      res.on("data", (chunk: Buffer) => timer.chunk(chunk));
      res.on("end", () => resolve(timer.finish(res.complete ? undefined : "the response was cut")));
      res.on("error", (err) => resolve(timer.finish(err.message)));
    });
    req.end(target.body);
  });
}

/** What counts as a failed stream: not 200, an error, or an answer without `done`. */
export function failure(outcome: StreamOutcome, expectedEvents: number): string | undefined {
  if (outcome.error !== undefined) return outcome.error;
  if (outcome.status !== 200) return `status ${outcome.status}`;
  if (!outcome.done) return "no done event";
  if (outcome.eventLatencyMs.length !== expectedEvents) {
    return `${outcome.eventLatencyMs.length} of ${expectedEvents} events`;
  }
  return undefined;
}
