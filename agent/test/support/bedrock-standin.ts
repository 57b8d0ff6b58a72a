// A loopback stand-in for Amazon Bedrock Runtime's ConverseStream, for tests and the offline local
// stack. It speaks the real wire protocol, so the real AWS SDK (and Strands' BedrockModel on top
// of it) runs unchanged against it:
//
// - cleartext HTTP/2 (the Bedrock Runtime client uses HTTP/2 for ConverseStream; point it here
//   with AWS_ENDPOINT_URL_BEDROCK_RUNTIME=<endpoint>);
// - `POST /model/{modelId}/converse-stream`, answered with `application/vnd.amazon.eventstream`
//   frames (messageStart, contentBlockStart/Delta/Stop, messageStop, metadata) encoded with
//   @smithy/eventstream-codec (src/boot/converse-frames.ts, shared with the image build's warm-up);
// - errors either as an HTTP error with `x-amzn-errortype` (before the stream starts, which the SDK
//   retries when retryable) or as an exception frame inside the stream.
//
// Answers are scripted (`enqueue`, `respondWith`), or, for the local stack, a deterministic
// default answer. Every request is recorded with the conversation it carried, and whether the
// client aborted it.
//
// Depends only on Node built-ins and @smithy/eventstream-codec, and works whether it is loaded as
// ESM (agent tests) or CommonJS (the root package's local stack).
import { once } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { eventFrame, exceptionFrame } from "../../src/boot/converse-frames.js";

// ---------------------------------------------------------------------------------------------
// The ConverseStream request, as far as the stand-in reads it.

export interface ConverseToolResultContent {
  text?: string;
  json?: unknown;
}

export interface ConverseContentBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: {
    toolUseId: string;
    content?: ConverseToolResultContent[];
    status?: "success" | "error";
  };
  [other: string]: unknown;
}

export interface ConverseMessage {
  role: "user" | "assistant";
  content: ConverseContentBlock[];
}

export interface ConverseStreamBody {
  messages?: ConverseMessage[];
  system?: Array<{ text?: string; [other: string]: unknown }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number };
  toolConfig?: { tools?: Array<{ toolSpec?: { name: string; [other: string]: unknown } }> };
  guardrailConfig?: {
    guardrailIdentifier?: string;
    guardrailVersion?: string;
    trace?: string;
    streamProcessingMode?: string;
  };
  [other: string]: unknown;
}

export interface ToolResultSummary {
  toolUseId: string;
  status: "success" | "error";
  /** The result's content flattened to text (JSON content is stringified). */
  text: string;
  /** The first JSON content item, if any. */
  json: unknown;
}

export type RequestState = "streaming" | "completed" | "aborted";

export interface RecordedRequest {
  /** 0-based arrival order since the last reset. */
  readonly index: number;
  readonly modelId: string;
  /** Request headers, lower-case names (pseudo-headers included). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: ConverseStreamBody;
  /** The conversation the model received. */
  readonly messages: readonly ConverseMessage[];
  /** Text of the last user message ("" when it carries only tool results). */
  readonly prompt: string;
  /** Tool results carried by the last user message. */
  readonly toolResults: readonly ToolResultSummary[];
  /** Names of the tools offered to the model. */
  readonly toolNames: readonly string[];
  /** `completed` once the stand-in sent its whole answer; `aborted` if the client cancelled first. */
  readonly state: RequestState;
  /** Resolves when the request ends either way. */
  readonly settled: Promise<"completed" | "aborted">;
  /** Event-stream frames written so far. */
  readonly framesSent: number;
  /** When the stream closed (ms since epoch): for an aborted request, when the client reset it. */
  readonly closedAt: number | undefined;
  /** The RST_STREAM code the client sent, for an aborted request (0 is NO_ERROR, 8 CANCEL). */
  readonly rstCode: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Scripting

/** The text of every user message the model received, in order. */
export function userTexts(request: RecordedRequest): string[] {
  return request.messages
    .filter((message) => message.role === "user")
    .flatMap((message) =>
      message.content.flatMap((block) => (typeof block.text === "string" ? [block.text] : [])),
    );
}

/** Bedrock Runtime error types, with the HTTP status Bedrock uses for each. */
export const ERROR_STATUS = {
  AccessDeniedException: 403,
  InternalServerException: 500,
  ModelErrorException: 424,
  ModelNotReadyException: 429,
  ModelStreamErrorException: 424,
  ModelTimeoutException: 408,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 400,
  ServiceUnavailableException: 503,
  ThrottlingException: 429,
  ValidationException: 400,
} as const;

export type BedrockErrorType = keyof typeof ERROR_STATUS;

/** The exceptions a ConverseStream response can carry inside the stream. */
export type StreamExceptionType =
  | "InternalServerException"
  | "ModelStreamErrorException"
  | "ServiceUnavailableException"
  | "ThrottlingException"
  | "ValidationException";

export type StopReason =
  | "end_turn"
  | "tool_use"
  | "max_tokens"
  | "stop_sequence"
  | "guardrail_intervened"
  | "content_filtered";

/** A latch the test opens to let a paused answer continue. */
export interface Gate {
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  open(): void;
}

export function gate(): Gate {
  let release!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    opened,
    get isOpen() {
      return isOpen;
    },
    open() {
      isOpen = true;
      release();
    },
  };
}

export type Step =
  /** One text delta. */
  | { text: string }
  /** A complete tool-use block (start, input as one delta, stop). */
  | { toolUse: { name: string; input: unknown; toolUseId?: string } }
  /** Pause before the next step. */
  | { delayMs: number }
  /** Pause until the gate opens. */
  | { gate: Gate }
  /**
   * `count` text deltas (each `text`, default " token"), one every `everyMs` (0: as fast as the
   * client reads): a model that keeps generating, for tests that need tokens flowing when they
   * act, not a pause between two of them.
   */
  | { flow: { count: number; everyMs: number; text?: string } }
  /** An exception frame; ends the response. */
  | { exception: StreamExceptionType; message?: string }
  /**
   * Steps made as the answer goes (a generator), for an answer whose length depends on what
   * the test has seen meanwhile.
   */
  | { each: Iterable<Step> };

export interface Answer {
  /** Fail before streaming: an HTTP error response with `x-amzn-errortype`. */
  httpError?: { type: BedrockErrorType; message?: string; status?: number };
  steps?: Step[];
  /** Default: `tool_use` when a tool-use step is present, else `end_turn`. */
  stopReason?: StopReason;
  /** Default: estimated from the request and the answer. */
  usage?: { inputTokens: number; outputTokens: number };
}

export type Responder = (request: RecordedRequest) => Answer;

/** Splits text into word deltas that concatenate back to the text: "a b" → ["a", " b"]. */
export function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text === "" ? [] : [text]);
}

function paced(deltas: string[], delayMs: number): Step[] {
  const steps: Step[] = [];
  deltas.forEach((text, index) => {
    if (index > 0 && delayMs > 0) steps.push({ delayMs });
    steps.push({ text });
  });
  return steps;
}

/** A text answer: a string is streamed word by word; an array gives the exact deltas. */
export function textAnswer(
  text: string | string[],
  options: { delayMs?: number; stopReason?: StopReason; usage?: Answer["usage"] } = {},
): Answer {
  const deltas = typeof text === "string" ? words(text) : text;
  return {
    steps: paced(deltas, options.delayMs ?? 0),
    ...(options.stopReason && { stopReason: options.stopReason }),
    ...(options.usage && { usage: options.usage }),
  };
}

/**
 * A model that would keep streaming for minutes: 100000 tokens, one every `everyMs` (0: as fast as
 * the client reads), for tests and benchmarks that must act while tokens flow.
 */
export function endlessAnswer(everyMs: number): Answer {
  return { steps: [{ flow: { count: 100_000, everyMs } }] };
}

/** An answer that asks for one tool, optionally after some text. */
export function toolUseAnswer(
  tool: { name: string; input: unknown; toolUseId?: string },
  options: { text?: string; delayMs?: number; usage?: Answer["usage"] } = {},
): Answer {
  return {
    steps: [
      ...paced(options.text ? words(options.text) : [], options.delayMs ?? 0),
      { toolUse: tool },
    ],
    stopReason: "tool_use",
    ...(options.usage && { usage: options.usage }),
  };
}

/** An HTTP error before any streaming, e.g. a ThrottlingException (429). */
export function httpErrorAnswer(type: BedrockErrorType, message?: string): Answer {
  return { httpError: { type, message: message ?? `Stand-in ${type}` } };
}

/** An exception frame inside the stream, optionally after some text deltas. */
export function streamExceptionAnswer(
  type: StreamExceptionType,
  options: { afterText?: string | string[]; message?: string } = {},
): Answer {
  const before =
    options.afterText === undefined
      ? []
      : typeof options.afterText === "string"
        ? words(options.afterText)
        : options.afterText;
  return {
    steps: [
      ...before.map((text) => ({ text })),
      { exception: type, message: options.message ?? `Stand-in ${type}` },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The deterministic default answer (the local stack's offline model)

const CITY_TIME_ZONES: Record<string, string> = {
  berlin: "Europe/Berlin",
  london: "Europe/London",
  "los angeles": "America/Los_Angeles",
  "new york": "America/New_York",
  paris: "Europe/Paris",
  "san francisco": "America/Los_Angeles",
  seattle: "America/Los_Angeles",
  singapore: "Asia/Singapore",
  sydney: "Australia/Sydney",
  tokyo: "Asia/Tokyo",
};

/** An IANA zone named in the prompt, a known city's zone, or UTC. */
export function guessTimeZone(prompt: string): string {
  const iana = /\b([A-Z][A-Za-z]+(?:\/[A-Z][A-Za-z_-]+)+)\b/.exec(prompt);
  if (iana) return iana[1]!;
  const lower = prompt.toLowerCase();
  for (const [city, zone] of Object.entries(CITY_TIME_ZONES)) {
    if (lower.includes(city)) return zone;
  }
  return "UTC";
}

function describeToolResult(result: ToolResultSummary): string {
  if (result.status === "error") {
    return `Sorry, the tool failed: ${result.text.replace(/^Error:\s*/, "")}`;
  }
  const json = result.json as { local?: unknown; timezone?: unknown } | undefined;
  if (json && typeof json.local === "string") {
    const zone = typeof json.timezone === "string" ? ` in ${json.timezone}` : "";
    return `It is ${json.local}${zone}. Anything else I can do for you?`;
  }
  return `The tool said: ${result.text}. Anything else I can do for you?`;
}

function echoOf(prompt: string): string {
  const flat = prompt.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

/**
 * A fixed, friendly answer that depends only on the request: it echoes the start of the prompt,
 * asks for a time tool (when one is offered) if the prompt asks for the time, and answers a tool
 * result with what the tool returned.
 */
export function defaultAnswer(
  request: RecordedRequest,
  options: { wordDelayMs?: number } = {},
): Answer {
  const delayMs = options.wordDelayMs ?? 30;
  const result = request.toolResults[0];
  if (result !== undefined) {
    return textAnswer(describeToolResult(result), { delayMs });
  }
  const timeTool = request.toolNames.find((name) => /time|clock/i.test(name));
  if (timeTool !== undefined && /\b(time|clock)\b/i.test(request.prompt)) {
    return toolUseAnswer(
      {
        name: timeTool,
        input: { timezone: guessTimeZone(request.prompt) },
        toolUseId: `tooluse_standin_${request.index}`,
      },
      { text: "Let me look at the clock.", delayMs },
    );
  }
  return textAnswer(
    `Hello! I am the offline stand-in model, so this answer is canned and no real model was called. ` +
      `You said: "${echoOf(request.prompt)}". ` +
      `Each word of this reply reached you as its own event, just like a real streamed answer. ` +
      `Ask me what time it is in Tokyo to see a tool call.`,
    { delayMs },
  );
}

// ---------------------------------------------------------------------------------------------
// The server

export interface StandinOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * What an unscripted request (empty queue, no responder) gets: `error` (the default, for tests:
   * a ValidationException naming the problem, so a missing script fails loudly) or
   * `default-answer` (for the local stack).
   */
  unscripted?: "error" | "default-answer";
  /** Pause between the words of default answers. Default 30 ms. */
  wordDelayMs?: number;
}

function flattenToolResult(content: ConverseToolResultContent[] | undefined): {
  text: string;
  json: unknown;
} {
  const parts: string[] = [];
  let json: unknown;
  for (const item of content ?? []) {
    if (typeof item.text === "string") parts.push(item.text);
    if (item.json !== undefined) {
      json ??= item.json;
      parts.push(JSON.stringify(item.json));
    }
  }
  return { text: parts.join("\n"), json };
}

interface MutableRecord extends RecordedRequest {
  state: RequestState;
  framesSent: number;
  closedAt: number | undefined;
  rstCode: number | undefined;
}

function record(
  index: number,
  modelId: string,
  headers: Record<string, string>,
  body: ConverseStreamBody,
  settled: Promise<"completed" | "aborted">,
): MutableRecord {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((message) => message.role === "user");
  const blocks = lastUser?.content ?? [];
  return {
    index,
    modelId,
    headers,
    body,
    messages,
    prompt: blocks.map((block) => (typeof block.text === "string" ? block.text : "")).join(""),
    toolResults: blocks.flatMap((block) =>
      block.toolResult
        ? [
            {
              toolUseId: block.toolResult.toolUseId,
              status: block.toolResult.status ?? "success",
              ...flattenToolResult(block.toolResult.content),
            },
          ]
        : [],
    ),
    toolNames: (body.toolConfig?.tools ?? []).flatMap((tool) =>
      tool.toolSpec ? [tool.toolSpec.name] : [],
    ),
    state: "streaming",
    settled,
    framesSent: 0,
    closedAt: undefined,
    rstCode: undefined,
  };
}

function* flatten(steps: Iterable<Step>): Generator<Exclude<Step, { each: Iterable<Step> }>> {
  for (const step of steps) {
    if ("each" in step) yield* flatten(step.each);
    else yield step;
  }
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const CONVERSE_STREAM_PATH = /^\/model\/([^/]+)\/converse-stream$/;

export class BedrockStandin {
  private readonly server: http2.Http2Server;
  private readonly options: StandinOptions;
  private readonly queue: Answer[] = [];
  private responder: Responder | undefined;
  private readonly recorded: MutableRecord[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private requestCounter = 0;

  private constructor(server: http2.Http2Server, options: StandinOptions) {
    this.server = server;
    this.options = options;
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: StandinOptions = {}): Promise<BedrockStandin> {
    const server = http2.createServer();
    const standin = new BedrockStandin(server, options);
    server.on("session", (session) => {
      standin.sessions.add(session);
      session.once("close", () => standin.sessions.delete(session));
      // A client that goes away mid-stream (an agent process stopped by a test) is normal here;
      // the affected requests are recorded as aborted.
      session.on("error", () => undefined);
    });
    server.on("stream", (stream, headers) => standin.onStream(stream, headers));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return standin;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The value for AWS_ENDPOINT_URL_BEDROCK_RUNTIME. */
  get endpoint(): string {
    return `http://${this.options.host ?? "127.0.0.1"}:${this.port}`;
  }

  /** Queues answers for the next requests, first in, first out. */
  enqueue(...answers: Answer[]): this {
    this.queue.push(...answers);
    return this;
  }

  /** Answers requests the queue does not cover (e.g. concurrent ones, by their prompt). */
  respondWith(responder: Responder | undefined): this {
    this.responder = responder;
    return this;
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  /** Resolves with the first `count` requests once that many have arrived. */
  async waitForRequests(count: number): Promise<RecordedRequest[]> {
    while (this.recorded.length < count) {
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
    return this.recorded.slice(0, count);
  }

  /** Forgets queued answers, the responder and recorded requests. */
  reset(): void {
    this.queue.length = 0;
    this.responder = undefined;
    this.recorded.length = 0;
    this.requestCounter = 0;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    // Reset streams are recorded as aborted (see answer()); an unhandled 'error' would crash.
    stream.on("error", () => undefined);
    const path = String(headers[":path"] ?? "").split("?")[0]!;
    const match = CONVERSE_STREAM_PATH.exec(path);
    if (headers[":method"] !== "POST" || match === null) {
      stream.respond({
        ":status": 404,
        "content-type": "application/json",
        "x-amzn-errortype": "UnknownOperationException",
      });
      stream.end(
        JSON.stringify({
          message: `The stand-in only serves ConverseStream, not ${headers[":method"]} ${path}`,
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => {
      let body: ConverseStreamBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ConverseStreamBody;
      } catch {
        stream.respond({
          ":status": 400,
          "content-type": "application/json",
          "x-amzn-errortype": "SerializationException",
        });
        stream.end(JSON.stringify({ message: "The request body is not JSON" }));
        return;
      }
      void this.answer(stream, headers, decodeURIComponent(match[1]!), body);
    });
  }

  private pickAnswer(request: RecordedRequest): Answer {
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    if (this.responder !== undefined) return this.responder(request);
    if (this.options.unscripted === "default-answer") {
      return defaultAnswer(request, { wordDelayMs: this.options.wordDelayMs });
    }
    return httpErrorAnswer(
      "ValidationException",
      `The stand-in has no scripted answer for request #${request.index}`,
    );
  }

  private async answer(
    stream: http2.ServerHttp2Stream,
    rawHeaders: http2.IncomingHttpHeaders,
    modelId: string,
    body: ConverseStreamBody,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(rawHeaders)) {
      if (value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
    }

    let endedByUs = false;
    let settle!: (state: "completed" | "aborted") => void;
    const settled = new Promise<"completed" | "aborted">((resolve) => {
      settle = resolve;
    });
    const request = record(this.requestCounter++, modelId, headers, body, settled);
    // Closed before our end of stream: the client cancelled (RST_STREAM) or went away.
    const closed = new Promise<void>((resolve) => {
      stream.once("close", () => {
        request.closedAt = Date.now();
        if (!endedByUs) request.rstCode = stream.rstCode;
        request.state = endedByUs ? "completed" : "aborted";
        settle(request.state);
        resolve();
      });
    });
    this.recorded.push(request);
    for (const wake of this.waiters) wake();
    this.waiters.clear();

    const answer = this.pickAnswer(request);
    const requestId = `standin-${request.index}-${Date.now().toString(36)}`;

    if (answer.httpError !== undefined) {
      const { type, message, status } = answer.httpError;
      stream.respond({
        ":status": status ?? ERROR_STATUS[type],
        "content-type": "application/json",
        "x-amzn-errortype": type,
        "x-amzn-requestid": requestId,
      });
      endedByUs = true;
      stream.end(JSON.stringify({ message: message ?? type }));
      return;
    }

    stream.respond({
      ":status": 200,
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-requestid": requestId,
    });
    const open = (): boolean => !stream.closed && !stream.destroyed;
    const send = (frame: Uint8Array): boolean => {
      if (!open()) return false;
      request.framesSent += 1;
      return stream.write(frame);
    };
    const pause = (until: Promise<unknown>): Promise<unknown> => Promise.race([until, closed]);

    const steps = answer.steps ?? [];
    let blockIndex = 0;
    let textOpen = false;
    let outputText = "";
    let sawToolUse = false;
    // One text delta. Like Bedrock, a text block has no contentBlockStart: its first delta opens it.
    const sendText = (text: string): boolean => {
      textOpen = true;
      outputText += text;
      return send(
        eventFrame("contentBlockDelta", { contentBlockIndex: blockIndex, delta: { text } }),
      );
    };
    const closeText = (): void => {
      if (!textOpen) return;
      send(eventFrame("contentBlockStop", { contentBlockIndex: blockIndex }));
      blockIndex += 1;
      textOpen = false;
    };

    send(eventFrame("messageStart", { role: "assistant" }));
    for (const step of flatten(steps)) {
      if (!open()) return;
      if ("text" in step) {
        sendText(step.text);
      } else if ("toolUse" in step) {
        closeText();
        sawToolUse = true;
        const { name, input } = step.toolUse;
        const toolUseId = step.toolUse.toolUseId ?? `tooluse_${request.index}_${blockIndex}`;
        send(
          eventFrame("contentBlockStart", {
            contentBlockIndex: blockIndex,
            start: { toolUse: { toolUseId, name } },
          }),
        );
        send(
          eventFrame("contentBlockDelta", {
            contentBlockIndex: blockIndex,
            delta: { toolUse: { input: JSON.stringify(input) } },
          }),
        );
        send(eventFrame("contentBlockStop", { contentBlockIndex: blockIndex }));
        blockIndex += 1;
      } else if ("flow" in step) {
        const { count, everyMs, text = " token" } = step.flow;
        for (let i = 0; i < count && open(); i++) {
          // Paced, or else as fast as HTTP/2 flow control lets the client take them.
          if (!sendText(text) && everyMs === 0) await pause(once(stream, "drain"));
          if (everyMs > 0) await pause(new Promise((resolve) => setTimeout(resolve, everyMs)));
          else await new Promise((resolve) => setImmediate(resolve));
        }
      } else if ("delayMs" in step) {
        await pause(new Promise((resolve) => setTimeout(resolve, step.delayMs)));
      } else if ("gate" in step) {
        await pause(step.gate.opened);
      } else {
        send(exceptionFrame(step.exception, step.message ?? step.exception));
        if (open()) {
          endedByUs = true;
          stream.end();
        }
        return;
      }
    }
    if (!open()) return;
    closeText();
    send(
      eventFrame("messageStop", {
        stopReason: answer.stopReason ?? (sawToolUse ? "tool_use" : "end_turn"),
      }),
    );
    const inputTokens =
      answer.usage?.inputTokens ?? estimateTokens(JSON.stringify(body.messages ?? []));
    const outputTokens = answer.usage?.outputTokens ?? estimateTokens(outputText);
    send(
      eventFrame("metadata", {
        usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
        metrics: { latencyMs: 1 },
      }),
    );
    endedByUs = true;
    stream.end();
  }
}
