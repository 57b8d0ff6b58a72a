/**
 * A fetch Response read as Server-Sent Events while it streams: the e2e tests assert on what had
 * arrived when, and wait for events rather than for time.
 */
import { within } from "../handler/helpers";

export { within };

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE response as it streams, recording each event and what had arrived by then. */
export class SseStream {
  readonly events: SseEvent[] = [];
  readonly ended: Promise<void>;
  private buffer = "";
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(response: Response) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.feed(value);
      }
    })();
    this.ended.catch(() => undefined);
  }

  get text(): string {
    return this.events
      .filter((e) => e.event === "text")
      .map((e) => e.data.text as string)
      .join("");
  }

  waitFor(test: () => boolean, ms = 20_000, what = "an event"): Promise<void> {
    if (test()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => this.waiters.push({ test, resolve })),
      ms,
      `never saw ${what}; events: ${JSON.stringify(this.events)}`,
    );
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf("\n\n")) !== -1) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length === 0) continue;
      this.events.push({ event, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
      this.waiters = this.waiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    }
  }
}
