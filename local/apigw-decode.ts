import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { METADATA_PRELUDE_CONTENT_TYPE } from "./lambda-host";

/**
 * The API Gateway side of a Lambda streaming integration: it decodes what the function streams
 * (a JSON prelude, 8 NUL bytes, then the body) into an HTTP response, and builds the REST API
 * (v1) proxy events it sends. A small HTTP server puts the two together for local use.
 */

const DELIMITER_LENGTH = 8;
const MAX_PRELUDE_BYTES = 64 * 1024;

export class MalformedResponseError extends Error {
  override name = "MalformedResponseError";
}

export interface LambdaHttpResponse {
  statusCode: number;
  /** Header names as the function wrote them. */
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  cookies: string[];
  /** The body as it streams in, with backpressure to the function. */
  body: Readable;
}

export interface DecodeOptions {
  /**
   * The content type the function set on its stream. Defaults to the wire's `contentType`
   * property when it has one (an Invocation from lambda-host does). Anything but the HTTP
   * integration type means the function never called HttpResponseStream.from.
   */
  contentType?: () => string | undefined;
}

/**
 * Resolves once the prelude is in, with the body still streaming. Rejects with
 * MalformedResponseError when the wire is not an HTTP integration response: wrong content type,
 * no 8-NUL delimiter (for instance a body sent with `end(body)` and no `write()`), a prelude that
 * is not a JSON object, or a stream that ends first. API Gateway answers those with a 502.
 */
export function decodeLambdaResponse(
  wire: Readable,
  options: DecodeOptions = {},
): Promise<LambdaHttpResponse> {
  const contentType =
    options.contentType ??
    ("contentType" in wire ? () => (wire as { contentType?: string }).contentType : undefined);
  return new Promise((resolve, reject) => {
    const splitter = new PreludeSplitter(contentType, (prelude, error) => {
      if (error !== undefined) reject(error);
      else resolve({ ...prelude!, body: splitter });
    });
    pipeline(wire, splitter).catch((err: unknown) => {
      splitter.fail(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

/** Decodes and reads the whole body. */
export async function readLambdaResponse(
  wire: Readable,
  options: DecodeOptions = {},
): Promise<Omit<LambdaHttpResponse, "body"> & { body: Buffer; text: string }> {
  const response = await decodeLambdaResponse(wire, options);
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return { ...response, body, text: body.toString("utf8") };
}

type Prelude = Omit<LambdaHttpResponse, "body">;

class PreludeSplitter extends Transform {
  /** What came before the delimiter so far. */
  private head: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(
    private readonly contentType: (() => string | undefined) | undefined,
    private readonly settle: (prelude: Prelude | undefined, error?: Error) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.done) {
      this.push(chunk);
      callback();
      return;
    }
    const type = this.contentType?.();
    if (type !== undefined && type !== METADATA_PRELUDE_CONTENT_TYPE) {
      return this.malformed(
        `the function's stream has content type "${type}", not ${METADATA_PRELUDE_CONTENT_TYPE} (HttpResponseStream.from was not used)`,
        callback,
      );
    }
    const all = Buffer.concat([this.head, chunk]);
    const at = indexOfDelimiter(all);
    if (at === -1) {
      if (all.length > MAX_PRELUDE_BYTES) {
        return this.malformed(
          `no prelude delimiter (8 NUL bytes) in the first ${all.length} bytes`,
          callback,
        );
      }
      this.head = all;
      callback();
      return;
    }
    let prelude: Prelude;
    try {
      prelude = parsePrelude(all.subarray(0, at));
    } catch (err) {
      return this.malformed((err as Error).message, callback);
    }
    this.done = true;
    this.head = Buffer.alloc(0);
    this.settle(prelude);
    const rest = all.subarray(at + DELIMITER_LENGTH);
    if (rest.length > 0) this.push(rest);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.done) return callback();
    this.malformed(
      this.head.length === 0
        ? "the function's stream ended without a byte (no prelude)"
        : `the function's stream ended before the prelude delimiter (8 NUL bytes); ${this.head.length} bytes received: ${preview(this.head)}`,
      callback,
    );
  }

  fail(error: Error): void {
    if (!this.done) {
      this.done = true;
      this.settle(undefined, error);
    }
    if (!this.destroyed) this.destroy(error);
  }

  private malformed(message: string, callback: TransformCallback): void {
    this.done = true;
    const error = new MalformedResponseError(message);
    this.settle(undefined, error);
    callback(error);
  }
}

function indexOfDelimiter(buffer: Buffer): number {
  // JSON never contains a raw NUL, so the first run of 8 is the delimiter.
  return buffer.indexOf(Buffer.alloc(DELIMITER_LENGTH));
}

function parsePrelude(bytes: Buffer): Prelude {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new MalformedResponseError(`the prelude is not JSON: ${preview(bytes)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MalformedResponseError(`the prelude is not a JSON object: ${preview(bytes)}`);
  }
  const raw = value as Record<string, unknown>;
  const statusCode = raw.statusCode ?? 200;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100) {
    throw new MalformedResponseError(`the prelude's statusCode is invalid: ${preview(bytes)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(asObject(raw.headers, "headers"))) {
    headers[name] = String(v);
  }
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(asObject(raw.multiValueHeaders, "multiValueHeaders"))) {
    multiValueHeaders[name] = Array.isArray(v) ? v.map(String) : [String(v)];
  }
  const cookies = Array.isArray(raw.cookies) ? raw.cookies.map(String) : [];
  return { statusCode, headers, multiValueHeaders, cookies };
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new MalformedResponseError(`the prelude's ${field} is not an object`);
  }
  return value as Record<string, unknown>;
}

function preview(bytes: Buffer): string {
  const text = JSON.stringify(bytes.subarray(0, 120).toString("utf8"));
  return bytes.length > 120 ? `${text}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Events

export interface ProxyEventInit {
  method: string;
  /** Path and optional query string, e.g. "/invoke" or "/sessions/abc?x=1". */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body base64-encoded (as API Gateway does for binary media types). */
  base64?: boolean;
  /** requestContext.authorizer (e.g. `{ claims: { sub } }` or `{ principalId }`). */
  authorizer?: Record<string, unknown>;
  /** Fields merged into requestContext.identity (e.g. `{ apiKeyId }`, `{ userArn }`). */
  identity?: Partial<APIGatewayProxyEvent["requestContext"]["identity"]>;
  stage?: string;
  requestId?: string;
}

/**
 * The resources this API has (components/streamingApi.ts) and their methods besides the CORS
 * preflight's OPTIONS, so events carry `resource` and `pathParameters` and the local gateway
 * refuses what the real one does not have.
 */
export const RESOURCES: {
  template: string;
  pattern: RegExp;
  params: string[];
  methods: string[];
}[] = [
  { template: "/invoke", pattern: /^\/invoke$/, params: [], methods: ["POST"] },
  {
    template: "/sessions/{sessionId}",
    pattern: /^\/sessions\/([^/]+)$/,
    params: ["sessionId"],
    methods: ["DELETE"],
  },
  {
    template: "/sessions/{sessionId}/cancel",
    pattern: /^\/sessions\/([^/]+)\/cancel$/,
    params: ["sessionId"],
    methods: ["POST"],
  },
];

/** A REST API (v1) proxy integration event, as API Gateway builds it. */
export function buildProxyEvent(init: ProxyEventInit): APIGatewayProxyEvent {
  const url = new URL(init.path, "http://apigw.local");
  const headers: Record<string, string> = { ...init.headers };
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) multiValueHeaders[k] = [v];
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  let resource = "/{proxy+}";
  let pathParameters: Record<string, string> | null = { proxy: url.pathname.slice(1) };
  for (const r of RESOURCES) {
    const match = r.pattern.exec(url.pathname);
    if (match === null) continue;
    resource = r.template;
    pathParameters =
      r.params.length === 0
        ? null
        : Object.fromEntries(r.params.map((p, i) => [p, decodeURIComponent(match[i + 1])]));
    break;
  }
  const body =
    init.body === undefined
      ? null
      : init.base64
        ? Buffer.from(init.body).toString("base64")
        : Buffer.isBuffer(init.body)
          ? init.body.toString("utf8")
          : init.body;
  const stage = init.stage ?? "local";
  const requestId = init.requestId ?? randomUUID();
  const now = Date.now();
  return {
    resource,
    path: url.pathname,
    httpMethod: init.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded: init.base64 === true,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: init.authorizer ?? null,
      protocol: "HTTP/1.1",
      httpMethod: init.method.toUpperCase(),
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "127.0.0.1",
        user: null,
        userAgent: headers["User-Agent"] ?? headers["user-agent"] ?? null,
        userArn: null,
        ...init.identity,
      },
      path: `/${stage}${url.pathname}`,
      stage,
      requestId,
      requestTimeEpoch: now,
      resourceId: "local",
      resourcePath: resource,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A local API Gateway in front of a streaming Lambda host

/** What the server needs of a host: lambda-host's StreamingHandlerHost fits. */
export interface StreamingInvoker {
  invoke(event: APIGatewayProxyEvent, options?: { deadlineMs?: number }): Readable;
}

export interface ApiGatewayServerOptions {
  host?: string;
  port?: number;
  stage?: string;
  /** API Gateway's integration timeout (STREAM mode allows up to 900000 ms). */
  integrationTimeoutMs?: number;
  /** Largest request body accepted (API Gateway's limit is 10 MB). */
  maxRequestBytes?: number;
  /** Content types sent to the function base64-encoded. */
  binaryMediaTypes?: string[];
  /** Derives requestContext.authorizer / identity from the request (an authorizer stand-in). */
  authorize?: (req: IncomingMessage) => Pick<ProxyEventInit, "authorizer" | "identity">;
}

export interface ApiGatewayServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * An HTTP server that turns each request into a proxy event, invokes the function and streams
 * its answer back with backpressure (nothing is buffered beyond stream high-water marks). A
 * malformed function response becomes API Gateway's 502.
 */
export async function startApiGatewayServer(
  invoker: StreamingInvoker,
  options: ApiGatewayServerOptions = {},
): Promise<ApiGatewayServer> {
  const server = createServer((req, res) => void serve(invoker, options, req, res));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return gatewayHandle(server, host);
}

/**
 * What both local gateways hand out once listening: the URL (on `host`, with the port the server
 * got) and a `close()` that also ends open connections.
 */
export function gatewayHandle(server: Server, host: string): ApiGatewayServer {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The proxy event fields a gateway adds to what the request itself carries. */
export type ProxyEventFields = Omit<
  ProxyEventInit,
  "method" | "path" | "headers" | "body" | "requestId"
>;

/**
 * Reads the request's body and builds the proxy event API Gateway sends for it; `fields` is
 * asked once the body is in. A body over `maxRequestBytes` (no limit when absent) gets API
 * Gateway's 413 as soon as it is seen, and no event (undefined).
 */
export async function proxyEventFrom(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  fields: () => ProxyEventFields,
  maxRequestBytes?: number,
): Promise<APIGatewayProxyEvent | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (maxRequestBytes !== undefined && size > maxRequestBytes) {
      gatewayError(res, 413, "Request Too Long", requestId);
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
  }
  return buildProxyEvent({
    method: req.method ?? "GET",
    path: req.url ?? "/",
    headers,
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    requestId,
    ...fields(),
  });
}

async function serve(
  invoker: StreamingInvoker,
  options: ApiGatewayServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const event = await proxyEventFrom(
    req,
    res,
    requestId,
    () => {
      const contentType = (req.headers["content-type"] ?? "").split(";")[0].trim();
      return {
        base64: options.binaryMediaTypes?.includes(contentType) ?? false,
        stage: options.stage,
        ...options.authorize?.(req),
      };
    },
    options.maxRequestBytes ?? 10 * 1024 * 1024,
  );
  if (event === undefined) return;

  await relayInvocation(invoker, event, res, requestId, {
    integrationTimeoutMs: options.integrationTimeoutMs,
  });
}

/**
 * What API Gateway does with a STREAM integration's answer: invoke, decode the prelude, send its
 * status and headers, then pass the body on as it arrives. A malformed answer becomes API
 * Gateway's 502. A client that goes away is not passed on to the function: as in AWS (a streamed
 * response "is not interrupted or stopped when the invoking client connection is broken", Lambda
 * developer guide), the function's answer is read to its end, as fast as the function writes it,
 * and the function runs (and bills) until it ends by itself.
 */
export async function relayInvocation(
  invoker: StreamingInvoker,
  event: APIGatewayProxyEvent,
  res: ServerResponse,
  requestId: string,
  options: { integrationTimeoutMs?: number } = {},
): Promise<void> {
  const wire = invoker.invoke(event, { deadlineMs: options.integrationTimeoutMs ?? 900_000 });
  let response: LambdaHttpResponse;
  try {
    response = await decodeLambdaResponse(wire);
  } catch {
    return gatewayError(res, 502, "Internal server error", requestId);
  }
  const out: Record<string, string | string[]> = {
    ...response.multiValueHeaders,
    ...response.headers,
    "x-amzn-RequestId": requestId,
  };
  if (response.cookies.length > 0) out["Set-Cookie"] = response.cookies;
  if (res.destroyed) return void response.body.resume();
  res.writeHead(response.statusCode, out);
  res.flushHeaders();
  await forwardBody(response.body, res);
}

/**
 * Writes the body to the client with backpressure while the client is there; once it is gone,
 * reads the rest without writing it, so the function is never told (a pipeline would destroy the
 * body, and with it the function's connection).
 */
async function forwardBody(body: Readable, res: ServerResponse): Promise<void> {
  try {
    for await (const chunk of body) {
      if (res.destroyed || res.writableEnded) continue;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
    }
  } catch {
    // The function's connection broke: what API Gateway does then is cut the client's stream.
    res.destroy();
    return;
  }
  res.end();
}

/** API Gateway's own error answers: `x-amzn-ErrorType` names the exception, the body is JSON. */
const GATEWAY_ERROR_TYPES: Record<number, string> = {
  403: "ForbiddenException",
  404: "NotFoundException",
  413: "RequestTooLarge",
  500: "InternalServerErrorException",
  502: "InternalServerErrorException",
};

/** Answers with API Gateway's JSON error; once headers are out, all it can do is cut the stream. */
export function gatewayError(
  res: ServerResponse,
  status: number,
  message: string,
  requestId: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    "Content-Type": "application/json",
    "x-amzn-RequestId": requestId,
    "x-amzn-ErrorType": GATEWAY_ERROR_TYPES[status] ?? "InternalServerErrorException",
  });
  res.end(JSON.stringify({ message }));
}
