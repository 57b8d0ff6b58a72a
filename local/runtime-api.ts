import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Readable } from "node:stream";

/**
 * A loopback Lambda Runtime API (2018-06-01), the HTTP interface a runtime interface client polls
 * for invocations and answers on: GET /runtime/invocation/next (long poll), POST
 * /runtime/invocation/{id}/response (buffered, or streamed with
 * `Lambda-Runtime-Function-Response-Mode: streaming`, chunked, with error trailers), POST
 * /runtime/invocation/{id}/error and POST /runtime/init/error.
 *
 * One server per execution environment, as in Lambda where each sandbox has its own endpoint:
 * AWS_LAMBDA_RUNTIME_API is a bare host:port, and the client's native part (curl, for next and
 * buffered answers) and its JavaScript part (node:http, for streamed answers) use separate
 * connections, so a shared server could not tell which environment a request came from. A
 * per-environment server also knows, when the client goes away, which connection is the one
 * streaming the answer.
 */

const PREFIX = "/2018-06-01/runtime";
const RESPONSE_MODE_HEADER = "lambda-runtime-function-response-mode";
const ERROR_TYPE_TRAILER = "lambda-runtime-function-error-type";
const ERROR_BODY_TRAILER = "lambda-runtime-function-error-body";
const ERROR_TYPE_HEADER = "lambda-runtime-function-error-type";
/** Lambda's limit on a buffered response; a streamed one may be larger. */
const MAX_BUFFERED_RESPONSE_BYTES = 6 * 1024 * 1024;

export interface InvocationRequest {
  requestId: string;
  /** The event, serialised here as the invoke payload. */
  event: unknown;
  /** Absolute deadline (ms since epoch), sent as Lambda-Runtime-Deadline-Ms. */
  deadline: number;
  invokedFunctionArn: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

/** The error a runtime reports: the error endpoints' JSON body, or the streamed error trailers. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export interface ResponseEnd {
  /** The request body arrived to its last chunk (false: the connection broke first). */
  complete: boolean;
  /** From the Lambda-Runtime-Function-Error-Type / -Body trailers. */
  error?: FunctionError;
}

export type RuntimeAnswer =
  | {
      kind: "response";
      streaming: boolean;
      contentType: string;
      /**
       * The body as it arrives. Reading it is what lets the runtime write more: while nobody
       * reads, the request is paused and TCP pushes back on the function.
       */
      body: Readable;
      ended: Promise<ResponseEnd>;
    }
  | { kind: "error"; error: FunctionError };

export type BreakMode = "close" | "silent";

/** One invocation as the Runtime API sees it. */
export class RuntimeInvocation {
  /** Resolves when the runtime takes the invocation from /next. */
  readonly delivered: Promise<number>;
  /** Resolves with the runtime's first answer: a response (its body still arriving) or an error. */
  readonly answer: Promise<RuntimeAnswer>;
  /** @internal */ resolveDelivered!: (at: number) => void;
  /** @internal */ resolveAnswer!: (answer: RuntimeAnswer) => void;
  /** @internal */ answered = false;
  /** @internal */ handedOut = false;
  /** @internal */ broken: BreakMode | undefined;
  /** @internal */ responseRequest: IncomingMessage | undefined;

  constructor(
    readonly request: InvocationRequest,
    private readonly api: RuntimeApi,
  ) {
    this.delivered = new Promise((resolve) => (this.resolveDelivered = resolve));
    this.answer = new Promise((resolve) => (this.resolveAnswer = resolve));
  }

  get requestId(): string {
    return this.request.requestId;
  }

  /**
   * The Lambda service drops the connection the answer streams on, as when the client went away.
   * "close": at once. "silent": the next bytes the function sends reset the connection.
   */
  breakConnection(mode: BreakMode): void {
    if (this.broken !== undefined) return;
    this.broken = mode;
    this.api.breakResponse(this);
  }
}

export interface RuntimeApiOptions {
  /** POST /runtime/init/error: the function failed to initialise. */
  onInitError?: (error: FunctionError) => void;
  /** GET /next arrived: the runtime is done with whatever it was doing. */
  onNext?: () => void;
  /** A connection was accepted (tests of orderings wait for it instead of sleeping). */
  onConnection?: () => void;
}

export class RuntimeApi {
  private readonly queue: RuntimeInvocation[] = [];
  private readonly waiting: ServerResponse[] = [];
  private readonly invocations = new Map<string, RuntimeInvocation>();
  /** What each connection last carried: the client's curl connections must survive a break. */
  private readonly sockets = new Map<Socket, "none" | "stream" | "other">();
  /**
   * A "close" break that came before the answer's connection reached this server: the runtime
   * opens it as the invocation starts, so the next connection to arrive is that one.
   */
  private closeBeforeConnect: RuntimeInvocation | undefined;
  initError: FunctionError | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: RuntimeApiOptions,
  ) {}

  static async start(options: RuntimeApiOptions = {}): Promise<RuntimeApi> {
    const server = createServer();
    const api = new RuntimeApi(server, options);
    server.on("connection", (socket) => {
      const pending = api.closeBeforeConnect;
      api.closeBeforeConnect = undefined;
      if (pending !== undefined && !pending.answered) return void socket.destroy();
      api.sockets.set(socket, "none");
      socket.once("close", () => api.sockets.delete(socket));
      options.onConnection?.();
    });
    server.on("request", (req, res) => api.route(req, res));
    // Long polls must not time out, and a streamed answer may last the function's whole timeout.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return api;
  }

  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  enqueue(request: InvocationRequest): RuntimeInvocation {
    const invocation = new RuntimeInvocation(request, this);
    this.invocations.set(request.requestId, invocation);
    this.queue.push(invocation);
    this.dispatch();
    return invocation;
  }

  async close(): Promise<void> {
    for (const res of this.waiting.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  breakResponse(invocation: RuntimeInvocation): void {
    const req = invocation.responseRequest;
    if (req !== undefined) {
      if (invocation.broken === "close") req.socket.destroy();
      else {
        // Nobody reads the answer any more: the next chunk the function sends finds the
        // connection gone. (Listening for data only now: earlier it would have started the
        // flow before the consumer was there.)
        req.once("data", () => req.socket.destroy());
        req.resume();
      }
      return;
    }
    if (invocation.broken !== "close" || !invocation.handedOut || invocation.answered) return;
    // The client opens the answer's connection as the invocation starts but sends nothing on it
    // before the function's first write: drop every connection that is not one of curl's. On a
    // busy machine that connection may not have been accepted yet; it is dropped on arrival.
    let dropped = false;
    for (const [socket, carried] of this.sockets) {
      if (carried === "other") continue;
      socket.destroy();
      dropped = true;
    }
    if (!dropped) this.closeBeforeConnect = invocation;
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.waiting.length > 0) {
      const invocation = this.queue.shift()!;
      const res = this.waiting.shift()!;
      if (res.destroyed) {
        this.queue.unshift(invocation);
        continue;
      }
      const r = invocation.request;
      const body = JSON.stringify(r.event === undefined ? null : r.event);
      const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "Lambda-Runtime-Aws-Request-Id": r.requestId,
        "Lambda-Runtime-Deadline-Ms": String(r.deadline),
        "Lambda-Runtime-Invoked-Function-Arn": r.invokedFunctionArn,
        "Lambda-Runtime-Trace-Id": r.traceId ?? traceId(),
      };
      if (r.clientContext !== undefined) headers["Lambda-Runtime-Client-Context"] = r.clientContext;
      if (r.cognitoIdentity !== undefined) {
        headers["Lambda-Runtime-Cognito-Identity"] = r.cognitoIdentity;
      }
      invocation.handedOut = true;
      res.writeHead(200, headers);
      res.end(body);
      invocation.resolveDelivered(Date.now());
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://runtime");
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (req.socket !== undefined) {
      this.sockets.set(
        req.socket,
        req.headers[RESPONSE_MODE_HEADER] === "streaming" ? "stream" : "other",
      );
    }
    if (method === "GET" && path === `${PREFIX}/invocation/next`) return this.next(res);
    if (method === "POST" && path === `${PREFIX}/init/error`) {
      return void readAll(req).then((body) => {
        this.initError = parseError(body, req.headers[ERROR_TYPE_HEADER]);
        this.options.onInitError?.(this.initError);
        accepted(res);
      });
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (match === null || method !== "POST") {
      return reply(res, 404, { errorMessage: "Not found", errorType: "NotFound" });
    }
    const invocation = this.invocations.get(decodeURIComponent(match[1]));
    // Not "the current invocation only": after a failed stream the client asks for the next
    // invocation on one connection while the failed answer's last chunk is still in flight on
    // the other.
    if (invocation === undefined || invocation.answered || !invocation.handedOut) {
      req.resume();
      return reply(res, 400, { errorMessage: "Invalid request ID", errorType: "InvalidRequestID" });
    }
    invocation.answered = true;
    this.invocations.delete(invocation.requestId);
    if (match[2] === "error") {
      return void readAll(req).then((body) => {
        invocation.resolveAnswer({
          kind: "error",
          error: parseError(body, req.headers[ERROR_TYPE_HEADER]),
        });
        accepted(res);
      });
    }
    this.response(invocation, req, res);
  }

  private next(res: ServerResponse): void {
    this.options.onNext?.();
    this.waiting.push(res);
    res.once("close", () => {
      const at = this.waiting.indexOf(res);
      if (at !== -1) this.waiting.splice(at, 1);
    });
    this.dispatch();
  }

  private response(invocation: RuntimeInvocation, req: IncomingMessage, res: ServerResponse): void {
    const streaming = req.headers[RESPONSE_MODE_HEADER] === "streaming";
    const contentType = req.headers["content-type"] ?? "application/octet-stream";
    if (!streaming) {
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > MAX_BUFFERED_RESPONSE_BYTES) {
        req.resume();
        return reply(res, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${MAX_BUFFERED_RESPONSE_BYTES} bytes).`,
          errorType: "RequestEntityTooLarge",
        });
      }
    }
    invocation.responseRequest = req;
    let complete = false;
    const ended = new Promise<ResponseEnd>((resolve) => {
      req.once("end", () => {
        complete = true;
        resolve({ complete: true, error: trailerError(req.trailers) });
        accepted(res);
      });
      req.once("close", () => {
        if (!complete) resolve({ complete: false });
      });
    });
    if (invocation.broken !== undefined) this.breakResponse(invocation);
    invocation.resolveAnswer({ kind: "response", streaming, contentType, body: req, ended });
  }
}

function traceId(): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  const time = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${time}-${hex(24)};Parent=${hex(16)};Sampled=0`;
}

function trailerError(trailers: NodeJS.Dict<string>): FunctionError | undefined {
  const type = trailers[ERROR_TYPE_TRAILER];
  const body = trailers[ERROR_BODY_TRAILER];
  if (type === undefined && body === undefined) return undefined;
  let decoded: string | undefined;
  try {
    decoded = body === undefined ? undefined : Buffer.from(body, "base64").toString("utf8");
  } catch {
    decoded = undefined;
  }
  return parseError(decoded ?? "", type);
}

function parseError(body: string, typeHeader: string | string[] | undefined): FunctionError {
  const headerType = Array.isArray(typeHeader) ? typeHeader[0] : typeHeader;
  try {
    const json = JSON.parse(body) as Partial<FunctionError>;
    return {
      errorType: typeof json.errorType === "string" ? json.errorType : (headerType ?? "Unknown"),
      errorMessage: typeof json.errorMessage === "string" ? json.errorMessage : "",
      ...(Array.isArray(json.trace) ? { trace: json.trace.map(String) } : {}),
    };
  } catch {
    return { errorType: headerType ?? "Unknown", errorMessage: body };
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function accepted(res: ServerResponse): void {
  reply(res, 202, { status: "OK" });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
