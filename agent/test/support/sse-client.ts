// A strict client for the agent's POST /invocations stream. It reads the stream as it arrives (so
// tests can assert on the first event while the rest is still being generated) and rejects
// anything the protocol does not allow: every line must be an `event:` line, a `data:` line with
// one JSON value, an SSE comment, or the blank line that ends an event.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { SESSION_HEADER } from "../../src/runtime-headers.js";

export interface SseEvent {
  event: string;
  data: unknown;
}

/** The text of an answer: its `text` events' text, joined. */
export function texts(events: SseEvent[]): string {
  return events
    .filter((event) => event.event === "text")
    .map((event) => (event.data as { text: string }).text)
    .join("");
}

export interface InvokeOptions {
  sessionId?: string;
  accept?: string;
  contentType?: string;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Aborting it drops the connection, even before the response headers arrive. */
  signal?: AbortSignal;
}

export class InvocationStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every line received, in order (for wire-format assertions). */
  readonly lines: string[] = [];
  private readonly destroy: () => void;
  private readonly queue: SseEvent[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private partial = "";
  private pending: { event?: string; data?: string } = {};
  /** Responses that are not event streams (errors before streaming) are kept as raw text. */
  private readonly isEventStream: boolean;
  private raw = "";

  constructor(response: IncomingMessage, destroy: () => void) {
    this.destroy = destroy;
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
    this.isEventStream = String(response.headers["content-type"] ?? "").startsWith(
      "text/event-stream",
    );
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => this.feed(chunk));
    response.on("end", () => this.finish());
    response.on("error", (error) => this.finish(error));
    response.on("close", () => this.finish());
  }

  /** The next event, or undefined once the stream has ended. */
  async next(): Promise<SseEvent | undefined> {
    if (!this.isEventStream)
      throw new Error(
        `not an event stream (${this.status}): ${await this.json().then(JSON.stringify)}`,
      );
    while (this.queue.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    if (this.queue.length > 0) return this.queue.shift();
    if (this.failure) throw this.failure;
    return undefined;
  }

  /** All remaining events, until the server ends the stream. */
  async rest(): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for (let event = await this.next(); event !== undefined; event = await this.next()) {
      events.push(event);
    }
    return events;
  }

  /** The whole body of a response that is not an event stream, parsed as JSON. */
  async json(): Promise<unknown> {
    if (this.isEventStream) throw new Error("this response is an event stream");
    while (!this.ended) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    if (this.failure) throw this.failure;
    return JSON.parse(this.raw);
  }

  /** Drops the connection, as a browser tab that closes would. */
  close(): void {
    this.destroy();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private fail(message: string): void {
    this.failure ??= new Error(message);
    this.ended = true;
    this.destroy();
    this.wake();
  }

  private finish(error?: Error): void {
    if (this.ended) return;
    if (error) this.failure ??= error;
    if (this.isEventStream && this.partial !== "")
      this.failure ??= new Error(`stream ended inside a line: ${JSON.stringify(this.partial)}`);
    this.ended = true;
    this.wake();
  }

  private feed(chunk: string): void {
    if (!this.isEventStream) {
      this.raw += chunk;
      return;
    }
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
    this.wake();
  }

  private line(line: string): void {
    this.lines.push(line);
    if (line.startsWith(":")) return; // comment (heartbeat)
    if (line === "") {
      if (this.pending.event === undefined && this.pending.data === undefined) return;
      if (this.pending.event === undefined || this.pending.data === undefined) {
        return this.fail(`incomplete event: ${JSON.stringify(this.pending)}`);
      }
      let data: unknown;
      try {
        data = JSON.parse(this.pending.data);
      } catch {
        return this.fail(`data is not JSON: ${this.pending.data}`);
      }
      this.queue.push({ event: this.pending.event, data });
      this.pending = {};
      return;
    }
    const match = /^(event|data): (.*)$/.exec(line);
    if (match === null) return this.fail(`line outside the protocol: ${JSON.stringify(line)}`);
    const field = match[1] as "event" | "data";
    if (this.pending[field] !== undefined) return this.fail(`two ${field} lines in one event`);
    this.pending[field] = match[2];
  }
}

/** POSTs to /invocations and resolves when the response headers arrive. */
export function invoke(
  baseUrl: string,
  body: unknown,
  options: InvokeOptions = {},
): Promise<InvocationStream> {
  const payload = options.rawBody ?? JSON.stringify(body);
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    accept: options.accept ?? "text/event-stream",
    "content-length": String(Buffer.byteLength(payload)),
    ...options.headers,
  };
  if (options.sessionId !== undefined) headers[SESSION_HEADER] = options.sessionId;
  return new Promise((resolve, reject) => {
    // agent: false gives each request its own connection, so closing one closes only that one.
    const req = httpRequest(`${baseUrl}/invocations`, {
      method: "POST",
      headers,
      agent: false,
      ...(options.signal && { signal: options.signal }),
    });
    req.once("response", (response) =>
      resolve(new InvocationStream(response, () => req.destroy())),
    );
    req.once("error", reject);
    req.end(payload);
  });
}

export interface PingStatus {
  status: string;
  time_of_last_update: number;
}

export async function ping(baseUrl: string): Promise<PingStatus> {
  const response = await fetch(`${baseUrl}/ping`);
  return (await response.json()) as PingStatus;
}

/** Polls /ping until it reports `status` (the runtime flips it as soon as the stream settles). */
export async function waitForPing(
  baseUrl: string,
  status: string,
  timeoutMs = 10_000,
): Promise<PingStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await ping(baseUrl);
    if (current.status === status) return current;
    if (Date.now() > deadline)
      throw new Error(`/ping stayed ${current.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
