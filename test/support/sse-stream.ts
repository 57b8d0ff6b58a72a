/**
 * A fetch Response read as Server-Sent Events while it streams: the e2e tests assert on what had
 * arrived when, and wait for events rather than for time.
 */
import { createParser } from "eventsource-parser";
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
  private readonly parser = createParser({
    onEvent: (message) => {
      this.events.push({
        event: message.event ?? "message",
        data: JSON.parse(message.data) as Record<string, unknown>,
      });
      this.waiters = this.waiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    },
  });
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(response: Response) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.parser.feed(value);
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
}
