import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { Readable, Writable } from "node:stream";
import type { Context } from "aws-lambda";

/**
 * An in-process host for a Lambda response-streaming handler bundle that reproduces the Node.js
 * runtime's wire behaviour (runtime interface client v4, behind `nodejs24.x`), so tests and local
 * servers exercise the bundle the way Lambda runs it:
 *
 * - `globalThis.awslambda.streamifyResponse(handler)` marks the handler as streaming and
 *   `awslambda.HttpResponseStream.from(stream, prelude)` sets the stream's content type to
 *   `application/vnd.awslambda.http-integration-response` and arms a hook that writes
 *   `JSON.stringify(prelude)` and 8 NUL bytes before the first `write()`.
 * - The hook runs from `write()` only. `end(body)` on a fresh stream sends the body with no
 *   prelude, as the real runtime does (a malformed answer for API Gateway).
 * - The handler gets a plain object exposing only the members the runtime exposes (write, end,
 *   destroy, cork/uncork, the EventEmitter methods, setContentType, destroyed, writable* getters),
 *   not a full Writable, so code relying on anything else fails here as it would there.
 * - Non-Buffer, non-string chunks are JSON-stringified; setContentType after the first write
 *   throws Runtime.InvalidStreamingOperation; a handler that throws or rejects gets the runtime's
 *   error trailers (errorType: the Error's name, else `typeof` the value), unless it had already
 *   ended its stream: the trailers went out with the last chunk, so the error is only logged; a
 *   handler that returns without ending the stream keeps the invocation open until its deadline.
 *
 * ric-host.ts runs the genuine client instead; test/local/ric-host.test.ts runs the same fixtures
 * through both and compares the wire bytes.
 * - Backpressure: bytes reach the returned Readable (the wire, what the Lambda service receives)
 *   only as fast as it is read; writes beyond the high-water mark return false.
 *
 * What it does not reproduce: the chunked HTTP framing to the Runtime API, freezing between
 * invocations, and process isolation (the bundle runs in this process; see `applyEnv`).
 */

export const METADATA_PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER = new Uint8Array(8);
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** The Writable default on Node.js 22+, which the runtime keeps unless streamifyResponse says. */
const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

export type Env = Record<string, string | undefined>;

export interface LoadOptions {
  /** Exported handler name; default "handler". */
  handlerName?: string;
  functionName?: string;
  memoryMb?: number;
  /** The function's configured timeout, the default deadline of each invocation. */
  timeoutMs?: number;
}

export interface InvokeOptions {
  /** Time the invocation has before Lambda kills it (getRemainingTimeInMillis starts here). */
  deadlineMs?: number;
  /** Called with each chunk as it reaches the wire. */
  onData?: (chunk: Buffer) => void;
  awsRequestId?: string;
}

export interface InvocationResult {
  /** The content type the handler set on the stream (the runtime's default otherwise). */
  contentType: string;
  /** Bytes that reached the wire. */
  bytes: number;
  /** The runtime's error trailers: set when the handler threw or rejected. */
  error?: { errorType: string; errorMessage: string };
  /** The deadline passed before the handler finished (Lambda's "Task timed out"). */
  timedOut: boolean;
  /** When the handler's promise settled (ms since epoch). */
  handlerSettledAt: number | undefined;
}

export type DisconnectMode = "close" | "silent";

/** Whatever carries the answer to the Lambda service: it can be broken as a client disconnect. */
export interface ResponseConnection {
  break(mode: DisconnectMode): void;
}

/**
 * One invocation. It is the wire itself: a Readable of the bytes the handler streams (prelude,
 * delimiter, body), with backpressure.
 */
export class Invocation extends Readable {
  /** Settles when the runtime is done with the invocation. Never rejects. */
  readonly result: Promise<InvocationResult>;
  private resolveResult!: (r: InvocationResult) => void;
  private readonly state: InvocationResult = {
    contentType: DEFAULT_CONTENT_TYPE,
    bytes: 0,
    timedOut: false,
    handlerSettledAt: undefined,
  };
  private pending: (() => void) | undefined;
  private finished = false;
  /** @internal */ response!: ResponseConnection;

  constructor(
    readonly awsRequestId: string,
    private readonly onData: ((chunk: Buffer) => void) | undefined,
  ) {
    super({ highWaterMark: DEFAULT_HIGH_WATER_MARK });
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
  }

  /** The content type set on the response stream so far. */
  get contentType(): string {
    return this.state.contentType;
  }

  /**
   * The connection to the client breaks. "close": the response stream errors and closes at once
   * (what the handler sees if the runtime reports the disconnect). "silent": nothing is emitted
   * until the handler's next write, which fails (what it sees if the runtime does not: whether
   * it does is not documented).
   */
  disconnect(mode: DisconnectMode = "close"): void {
    this.response.break(mode);
    this.endWire();
  }

  /** @internal */
  deliver(chunk: Buffer, done: (error?: Error | null) => void): void {
    if (this.finished) {
      done();
      return;
    }
    this.state.bytes += chunk.length;
    this.onData?.(chunk);
    if (chunk.length === 0 || this.push(chunk)) done();
    else this.pending = () => done();
  }

  /** @internal */
  setContentType(value: string): void {
    this.state.contentType = value;
  }

  /** @internal */
  complete(patch: Partial<InvocationResult>): void {
    Object.assign(this.state, patch);
    this.endWire();
    this.resolveResult({ ...this.state });
  }

  /** @internal */
  endWire(): void {
    if (this.finished) return;
    this.finished = true;
    this.releasePending();
    this.push(null);
  }

  override _read(): void {
    this.releasePending();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The reader (API Gateway's side) went away: for the handler, the client disconnected.
    if (!this.finished) this.response.break("close");
    this.finished = true;
    this.releasePending();
    callback(error);
  }

  private releasePending(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }
}

/**
 * The response stream as the runtime builds it (in the real runtime, an HTTP request to the
 * Runtime API). `write` is replaced so the prelude hook runs before the first write; `end` is
 * Writable's own, which bypasses it.
 */
class RuntimeResponseStream extends Writable {
  _onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  private status: "ready" | "write_called" = "ready";
  private broken: DisconnectMode | undefined;
  /** Lambda froze the sandbox: nothing more reaches the wire. */
  frozen = false;

  constructor(
    private readonly wire: Invocation,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
    // The runtime listens for errors on its request itself; without this an error emitted on the
    // stream would crash the process instead of failing the invocation.
    this.on("error", () => undefined);
    const originalWrite = Writable.prototype.write.bind(this) as (
      chunk: unknown,
      encoding?: unknown,
      callback?: unknown,
    ) => boolean;
    this.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      const data =
        typeof chunk === "string" || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
      if (this.status === "ready" && typeof this._onBeforeFirstWrite === "function") {
        this._onBeforeFirstWrite((c) => originalWrite(c));
      }
      this.status = "write_called";
      return originalWrite(data, encoding, callback);
    }) as Writable["write"];
  }

  setContentType(contentType: string): void {
    if (this.status !== "ready") {
      throw Object.assign(new Error("Cannot set content-type, too late."), {
        name: "Runtime.InvalidStreamingOperation",
      });
    }
    this.wire.setContentType(contentType);
  }

  break(mode: DisconnectMode): void {
    if (this.broken !== undefined || this.writableFinished || this.destroyed) return;
    this.broken = mode;
    if (mode === "close") this.destroy(connectionReset());
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.broken !== undefined) {
      callback(connectionReset());
      return;
    }
    if (this.frozen) {
      callback();
      return;
    }
    this.wire.deliver(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(this.broken !== undefined ? connectionReset() : null);
  }
}

function connectionReset(): Error {
  return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

/** The runtime hands the handler an object with these members only, bound to the stream. */
const EXPOSED_METHODS = [
  "cork",
  "destroy",
  "end",
  "uncork",
  "write",
  "addListener",
  "on",
  "once",
  "prependListener",
  "prependOnceListener",
  "off",
  "removeListener",
  "removeAllListeners",
  "setMaxListeners",
  "getMaxListeners",
  "listeners",
  "rawListeners",
  "listenerCount",
  "eventNames",
  "emit",
  "setContentType",
] as const;
const EXPOSED_READ_WRITE = ["destroyed", "_onBeforeFirstWrite"] as const;
const EXPOSED_READ_ONLY = [
  "writableFinished",
  "writableObjectMode",
  "writableEnded",
  "writableNeedDrain",
  "writableHighWaterMark",
  "writableCorked",
  "writableLength",
  "writable",
] as const;

function handlerFacade(stream: RuntimeResponseStream): Record<string, unknown> {
  const facade: Record<string, unknown> = {};
  const target = stream as unknown as Record<string, unknown>;
  for (const name of EXPOSED_METHODS) {
    facade[name] = (target[name] as (...args: unknown[]) => unknown).bind(stream);
  }
  for (const name of EXPOSED_READ_WRITE) {
    Object.defineProperty(facade, name, {
      get: () => target[name],
      set: (value: unknown) => {
        target[name] = value;
      },
      enumerable: true,
    });
  }
  for (const name of EXPOSED_READ_ONLY) {
    Object.defineProperty(facade, name, { get: () => target[name], enumerable: true });
  }
  return facade;
}

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const STREAM_RESPONSE = "response";
const HIGH_WATER_MARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");

type StreamingHandler = ((event: unknown, stream: unknown, context: Context) => unknown) & {
  [STREAMING]?: string;
  [HIGH_WATER_MARK]?: number;
};

/** Installs the runtime's `awslambda` global (idempotent). */
export function installAwsLambdaGlobal(): void {
  const g = globalThis as { awslambda?: Record<string, unknown> };
  g.awslambda = {
    ...g.awslambda,
    streamifyResponse: (handler: StreamingHandler, options?: { highWaterMark?: number }) => {
      handler[STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === "number") {
        handler[HIGH_WATER_MARK] = Math.trunc(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream: {
      from(stream: Record<string, unknown>, prelude: Record<string, unknown>) {
        (stream.setContentType as (v: string) => void)(METADATA_PRELUDE_CONTENT_TYPE);
        const json = JSON.stringify(prelude);
        stream._onBeforeFirstWrite = (write: (chunk: string | Uint8Array) => void) => {
          write(json);
          write(DELIMITER);
        };
        return stream;
      },
    },
  };
}

/**
 * process.env is one per process while each loaded bundle has its own: every host applies its
 * environment when it loads and before each invocation, restoring whatever another host changed.
 * Hosts with different environments must therefore not run invocations at the same time.
 */
const originalEnv = new Map<string, string | undefined>();
function applyEnv(env: Env): void {
  for (const key of originalEnv.keys()) {
    if (!(key in env)) restoreKey(key);
  }
  for (const [key, value] of Object.entries(env)) {
    if (!originalEnv.has(key)) originalEnv.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
function restoreKey(key: string): void {
  const value = originalEnv.get(key);
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** What the local stack needs of a host, whichever runs the bundle. */
export interface LambdaHost {
  /** "ric": the genuine runtime interface client in child processes; "in-process": this file. */
  readonly kind: "ric" | "in-process";
  readonly bundlePath: string;
  /** The function's environment (Lambda's reserved variables included). */
  readonly env: Readonly<Env>;
  invoke(event: unknown, options?: InvokeOptions): Invocation;
  dispose(): void | Promise<void>;
}

export interface StreamingHandlerHost extends LambdaHost {
  readonly kind: "in-process";
  /** Puts back the environment variables the host changed. */
  dispose(): void;
}

/** The environment Lambda gives a function: its reserved variables, then the configured ones. */
export function functionEnvironment(
  bundlePath: string,
  env: Env = {},
  options: LoadOptions = {},
): Env {
  const file = path.resolve(bundlePath);
  const functionName = functionNameOf(options);
  const region = env.AWS_REGION ?? process.env.AWS_REGION ?? "us-east-1";
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? DEFAULT_MEMORY_MB),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "local/[$LATEST]0",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    LAMBDA_TASK_ROOT: path.dirname(file),
    _HANDLER: `${path.basename(file, path.extname(file))}.${options.handlerName ?? "handler"}`,
    ...env,
  };
}

export const DEFAULT_FUNCTION_NAME = "agentcore-stream-proxy";

/** The function's name: the configured one, else DEFAULT_FUNCTION_NAME. */
export function functionNameOf(options: LoadOptions): string {
  return options.functionName ?? DEFAULT_FUNCTION_NAME;
}

/** The function's ARN (`invokedFunctionArn`), in the local account. */
export function functionArnOf(region: string, functionName: string): string {
  return `arn:aws:lambda:${region}:000000000000:function:${functionName}`;
}
export const DEFAULT_MEMORY_MB = 1024;
export const DEFAULT_TIMEOUT_MS = 900_000;

/**
 * Loads a CommonJS handler bundle as Lambda's init would: with the function's environment set
 * and `awslambda` installed. Each call loads a fresh copy (its own module state, SDK client,
 * config), so tests can load the same bundle with different environments.
 */
export function loadStreamingHandler(
  bundlePath: string,
  env: Env = {},
  options: LoadOptions = {},
): StreamingHandlerHost {
  const file = path.resolve(bundlePath);
  const functionName = functionNameOf(options);
  const memoryMb = options.memoryMb ?? DEFAULT_MEMORY_MB;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fullEnv = functionEnvironment(file, env, options);
  const region = fullEnv.AWS_REGION!;

  applyEnv(fullEnv);
  installAwsLambdaGlobal();
  delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(file) as Record<string, unknown>;
  delete require.cache[file];
  const handler = exports[options.handlerName ?? "handler"] as StreamingHandler | undefined;
  if (typeof handler !== "function") {
    throw new Error(`${file} exports no function "${options.handlerName ?? "handler"}"`);
  }
  if (handler[STREAMING] !== STREAM_RESPONSE) {
    throw new Error(`${file}: the handler is not wrapped in awslambda.streamifyResponse`);
  }

  return {
    kind: "in-process",
    bundlePath: file,
    env: fullEnv,
    invoke(event, invokeOptions = {}) {
      applyEnv(fullEnv);
      const deadline = Date.now() + (invokeOptions.deadlineMs ?? timeoutMs);
      const invocation = new Invocation(
        invokeOptions.awsRequestId ?? randomUUID(),
        invokeOptions.onData,
      );
      const response = new RuntimeResponseStream(
        invocation,
        handler[HIGH_WATER_MARK] ?? DEFAULT_HIGH_WATER_MARK,
      );
      invocation.response = response;
      const context = lambdaContext(
        invocation.awsRequestId,
        functionName,
        region,
        memoryMb,
        deadline,
      );
      void run(handler, event, response, invocation, context, deadline);
      return invocation;
    },
    dispose() {
      for (const key of Object.keys(fullEnv)) {
        if (originalEnv.has(key)) {
          restoreKey(key);
          originalEnv.delete(key);
        }
      }
    },
  };
}

async function run(
  handler: StreamingHandler,
  event: unknown,
  response: RuntimeResponseStream,
  invocation: Invocation,
  context: Context,
  deadline: number,
): Promise<void> {
  let settledAt: number | undefined;
  const markSettled = (): void => {
    settledAt ??= Date.now();
  };
  const streamDone = new Promise<void>((resolve) => {
    response.once("finish", () => resolve());
    response.once("close", () => resolve());
  });

  // Like the runtime's failResponseStream: the error goes into the trailers and the stream ends.
  // Trailers go out with the last chunk, so a stream the handler already ended (or that broke)
  // reports no error: the runtime only logs it.
  const fail = (err: unknown): Partial<InvocationResult> => {
    markSettled();
    if (response.writableEnded || response.destroyed) return {};
    response.end();
    return { error: formatError(err) };
  };

  const settle = async (): Promise<Partial<InvocationResult>> => {
    let result: unknown;
    try {
      result = handler(event, handlerFacade(response), context);
    } catch (err) {
      return fail(err);
    }
    if (typeof (result as Promise<unknown> | undefined)?.then !== "function") {
      return fail(new Error("Streaming does not support non-async handlers."));
    }
    try {
      await result;
    } catch (err) {
      return fail(err);
    }
    markSettled();
    // The runtime then waits for the Runtime API to see the stream end; a handler that returns
    // without ending it keeps the invocation open until the deadline.
    await streamDone;
    return {};
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
  });
  const outcome = await Promise.race([settle(), timeout]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    // Lambda stops the sandbox: whatever the handler still writes goes nowhere.
    response.frozen = true;
    invocation.complete({
      timedOut: true,
      error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out" },
      handlerSettledAt: settledAt,
    });
    return;
  }
  invocation.complete({ ...outcome, handlerSettledAt: settledAt });
}

/** The runtime's formatError: an Error's name and message, else typeof and String(). */
function formatError(err: unknown): { errorType: string; errorMessage: string } {
  if (err instanceof Error) return { errorType: err.name, errorMessage: err.message };
  return { errorType: typeof err, errorMessage: String(err) };
}

function lambdaContext(
  awsRequestId: string,
  functionName: string,
  region: string,
  memoryMb: number,
  deadline: number,
): Context {
  const unsupported = (): never => {
    throw new Error("context.done/succeed/fail are not supported by streaming handlers");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: functionArnOf(region, functionName),
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
