import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the AgentCore data plane, speaking the REST-JSON wire of
 * InvokeAgentRuntime and StopRuntimeSession as @aws-sdk/client-bedrock-agentcore sends and reads
 * it. Point the real client at it with `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE=<url>`.
 *
 * Each request is recorded (method, path, query, headers, body) and answered by a responder: a
 * script (status, content type, chunks with delays or waits, a cut, an AWS error) or a function
 * driving a ResponseController directly (which is also where a "forward to a real agent" mode
 * plugs in).
 */

export type Operation = "InvokeAgentRuntime" | "StopRuntimeSession" | "Unknown";

export interface RecordedRequest {
  /** 1-based arrival order. */
  readonly seq: number;
  readonly operation: Operation;
  readonly method: string;
  /** The decoded path, e.g. `/runtimes/arn:aws:…:runtime/x/invocations`. */
  readonly path: string;
  /** The path as sent (the ARN percent-encoded). */
  readonly rawPath: string;
  readonly query: Record<string, string>;
  /** Lower-case header names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** From the path, for the two operations. */
  readonly agentRuntimeArn: string | undefined;
  /** `x-amzn-bedrock-agentcore-runtime-session-id`. */
  readonly sessionId: string | undefined;
  /** `x-amzn-bedrock-agentcore-runtime-user-id`. */
  readonly userId: string | undefined;
  /** The body parsed as JSON (throws when it is not). */
  json<T = unknown>(): T;
  /** True once the client went away before the response ended (not counting our own cut). */
  readonly aborted: boolean;
  /** Resolves when the client aborts; never resolves for a completed exchange. */
  readonly whenAborted: Promise<void>;
  /** Resolves when the exchange is over, saying how it ended. */
  readonly settled: Promise<"completed" | "aborted" | "cut">;
}

export interface StartInit {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface AwsErrorInit {
  /** HTTP status; defaults to the one the service model gives the error type. */
  status?: number;
  message?: string;
  headers?: Record<string, string>;
}

export interface ResponseController {
  readonly request: RecordedRequest;
  /** Sends the status line and headers (done implicitly by the first write). */
  start(init?: StartInit): void;
  /** Writes one chunk; resolves once it is handed to the socket. */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Ends the response, optionally with a last chunk. */
  end(chunk?: string | Uint8Array): Promise<void>;
  /** Destroys the connection mid-response, as a network failure would. */
  cut(): void;
  /** Answers with an AWS error as the service sends it: x-amzn-errortype and a JSON body. */
  error(type: string, init?: AwsErrorInit): Promise<void>;
  delay(ms: number): Promise<void>;
  readonly aborted: boolean;
  readonly whenAborted: Promise<void>;
}

export type Responder = (ctl: ResponseController) => void | Promise<void>;

/** One step of a scripted body. */
export type Step =
  | string
  | Uint8Array
  | { delayMs: number }
  | { waitFor: Promise<unknown> | (() => Promise<unknown>) }
  | { cut: true };

export interface Script {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  /** Chunks (each written as it comes), delays, waits and cuts, in order; the response then ends. */
  body?: Step[];
  /** Answer with this AWS error instead. */
  error?: { type: string } & AwsErrorInit;
  /** Never answer (until the client gives up or the stand-in closes). */
  hang?: boolean;
}

/** HTTP status the service model gives each error (dist-cjs `[_hE]` traits). */
export const ERROR_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  ConflictException: 409,
  InternalServerException: 500,
  ResourceNotFoundException: 404,
  RetryableConflictException: 409,
  RuntimeClientError: 424,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  UnauthorizedException: 401,
  ValidationException: 400,
};

/** One SSE event in the agent's protocol (docs/event-protocol.md). */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function scripted(script: Script): Responder {
  return async (ctl) => {
    if (script.hang) {
      await ctl.whenAborted;
      return;
    }
    if (script.error !== undefined) {
      const { type, ...init } = script.error;
      await ctl.error(type, init);
      return;
    }
    ctl.start({ status: script.status, contentType: script.contentType, headers: script.headers });
    for (const step of script.body ?? []) {
      if (ctl.aborted) return;
      if (typeof step === "string" || step instanceof Uint8Array) {
        await ctl.write(step);
      } else if ("delayMs" in step) {
        await ctl.delay(step.delayMs);
      } else if ("waitFor" in step) {
        await (typeof step.waitFor === "function" ? step.waitFor() : step.waitFor);
      } else {
        ctl.cut();
        return;
      }
    }
    await ctl.end();
  };
}

/** The default agent: one text event and `done`. */
export const DEFAULT_INVOKE: Responder = scripted({
  contentType: "text/event-stream",
  body: [
    sseEvent("text", { text: "Hello." }),
    sseEvent("done", {
      stopReason: "end_turn",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    }),
  ],
});

export const DEFAULT_STOP: Responder = async (ctl) => {
  ctl.start({ status: 200, contentType: "application/json" });
  await ctl.end("{}");
};

export class AgentCoreStandin {
  readonly requests: RecordedRequest[] = [];
  /** Errors thrown by responders (the client saw a cut or an InternalServerException). */
  readonly responderErrors: unknown[] = [];
  private invokeResponder: Responder = DEFAULT_INVOKE;
  private stopResponder: Responder = DEFAULT_STOP;
  private readonly waiters: { n: number; resolve: (r: RecordedRequest) => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: { host?: string; port?: number } = {}): Promise<AgentCoreStandin> {
    const server = createServer({ keepAlive: true });
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const standin = new AgentCoreStandin(server, `http://${host}:${port}`);
    server.on("request", (req, res) => void standin.handle(req, res));
    return standin;
  }

  /** Answers every InvokeAgentRuntime from now on. */
  onInvoke(responder: Responder | Script): this {
    this.invokeResponder = typeof responder === "function" ? responder : scripted(responder);
    return this;
  }

  /** Answers every StopRuntimeSession from now on. */
  onStop(responder: Responder | Script): this {
    this.stopResponder = typeof responder === "function" ? responder : scripted(responder);
    return this;
  }

  /** Forgets recorded requests and restores the default responders. */
  reset(): void {
    this.requests.length = 0;
    this.responderErrors.length = 0;
    this.invokeResponder = DEFAULT_INVOKE;
    this.stopResponder = DEFAULT_STOP;
  }

  /** Resolves with the n-th request (1-based) once it has arrived. */
  waitForRequest(n = this.requests.length + 1): Promise<RecordedRequest> {
    const have = this.requests[n - 1];
    if (have !== undefined) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const record = new Exchange(this.requests.length + 1, req, res, Buffer.concat(chunks));
    this.requests.push(record.request);
    for (const waiter of this.waiters.filter((w) => w.n === record.request.seq)) {
      waiter.resolve(record.request);
    }
    const responder =
      record.request.operation === "InvokeAgentRuntime"
        ? this.invokeResponder
        : record.request.operation === "StopRuntimeSession"
          ? this.stopResponder
          : (ctl: ResponseController) => ctl.error("UnknownOperationException", { status: 404 });
    try {
      await responder(record);
      if (!res.writableEnded && !res.destroyed && !record.aborted) await record.end();
    } catch (err) {
      this.responderErrors.push(err);
      // A responder bug: make it visible to the client side rather than hanging.
      if (!res.headersSent && !res.destroyed) {
        await record.error("InternalServerException", { message: String(err) });
      } else {
        record.cut();
      }
    }
  }
}

const ROUTE = /^\/runtimes\/([^/]+)\/(invocations|stopruntimesession)$/;

class Exchange implements ResponseController {
  readonly request: RecordedRequest;
  aborted = false;
  readonly whenAborted: Promise<void>;
  private cutByUs = false;

  constructor(
    seq: number,
    req: IncomingMessage,
    private readonly res: ServerResponse,
    body: Buffer,
  ) {
    const url = new URL(req.url ?? "/", "http://standin");
    const match = ROUTE.exec(url.pathname);
    const operation: Operation =
      req.method === "POST" && match !== null
        ? match[2] === "invocations"
          ? "InvokeAgentRuntime"
          : "StopRuntimeSession"
        : "Unknown";
    let abortedResolve!: () => void;
    this.whenAborted = new Promise((resolve) => (abortedResolve = resolve));
    const settled = new Promise<"completed" | "aborted" | "cut">((resolve) => {
      res.on("close", () => {
        if (this.cutByUs) return resolve("cut");
        if (!res.writableFinished) {
          this.aborted = true;
          abortedResolve();
          return resolve("aborted");
        }
        resolve("completed");
      });
    });
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const isAborted = (): boolean => this.aborted;
    this.request = {
      seq,
      operation,
      method: req.method ?? "",
      path: safeDecode(url.pathname),
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      agentRuntimeArn: match === null ? undefined : safeDecode(match[1]),
      sessionId: header("x-amzn-bedrock-agentcore-runtime-session-id"),
      userId: header("x-amzn-bedrock-agentcore-runtime-user-id"),
      json: <T>() => JSON.parse(body.toString("utf8")) as T,
      get aborted() {
        return isAborted();
      },
      whenAborted: this.whenAborted,
      settled,
    };
  }

  start(init: StartInit = {}): void {
    if (this.res.headersSent) return;
    const headers: Record<string, string> = {
      "x-amzn-requestid": randomUUID(),
      ...(this.request.sessionId === undefined
        ? {}
        : { "x-amzn-bedrock-agentcore-runtime-session-id": this.request.sessionId }),
      "content-type": init.contentType ?? "text/event-stream",
      ...init.headers,
    };
    this.res.writeHead(init.status ?? 200, headers);
    // Send the head now: the SDK resolves its call on the head, before any body byte.
    this.res.flushHeaders();
  }

  write(chunk: string | Uint8Array): Promise<void> {
    this.start();
    if (this.res.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.res.write(chunk, () => resolve()));
  }

  end(chunk?: string | Uint8Array): Promise<void> {
    this.start();
    if (this.res.destroyed || this.res.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      if (chunk === undefined) this.res.end(() => resolve());
      else this.res.end(chunk, () => resolve());
    });
  }

  cut(): void {
    this.cutByUs = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }

  async error(type: string, init: AwsErrorInit = {}): Promise<void> {
    const body = JSON.stringify({ message: init.message ?? `${type} from the stand-in` });
    this.start({
      status: init.status ?? ERROR_STATUS[type] ?? 400,
      contentType: "application/json",
      headers: {
        // The service appends its namespace after a colon; the SDK must strip it.
        "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazonaws.bedrockagentcore/`,
        ...init.headers,
      },
    });
    await this.end(body);
  }

  delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
