import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { buildHandler, type HandlerBundle } from "../../handler/build";
import { AgentCoreStandin } from "../../local/agentcore-standin";
import {
  buildProxyEvent,
  decodeLambdaResponse,
  type LambdaHttpResponse,
  type ProxyEventInit,
} from "../../local/apigw-decode";
import {
  loadStreamingHandler,
  type Env,
  type Invocation,
  type InvokeOptions,
  type LambdaHost,
  type StreamingHandlerHost,
} from "../../local/lambda-host";

export const ACCOUNT_ID = "123456789012";
export const RUNTIME_ARN = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT_ID}:runtime/agentcore_stream-Ab12Cd34Ef`;
export const PROMPT = "What is the secret word? プロンプト本文";

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `agentcore-stream-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

let bundle: HandlerBundle | undefined;

/** The proxy bundle, built once per test run: tests load it, never the TypeScript source. */
export function handlerBundle(): HandlerBundle {
  bundle ??= buildHandler({ outdir: tempDir("handler") });
  return bundle;
}

export function bundleFile(): string {
  const b = handlerBundle();
  return path.join(b.dir, b.entry);
}

/** The function's environment as the Pulumi component sets it, pointed at the stand-in. */
export function baseEnv(standinUrl: string): Env {
  return {
    AGENT_RUNTIME_ARN: RUNTIME_ARN,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: standinUrl,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDSTANDIN0000000000",
    AWS_SECRET_ACCESS_KEY: "standin-secret-key",
    AWS_SESSION_TOKEN: "standin-session-token",
    // Nothing from this machine's AWS configuration may leak in.
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: "agentcore-stream-proxy",
    POWERTOOLS_METRICS_NAMESPACE: "AgentcoreStreamTest",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
}

export interface Harness {
  standin: AgentCoreStandin;
  host: StreamingHandlerHost;
  /** Loads another copy of the bundle with more environment (same stand-in). */
  load(env: Env): StreamingHandlerHost;
  /** Between tests: fails on a responder that threw, then restores the stand-in's defaults. */
  reset(): void;
  close(): Promise<void>;
}

export async function startHarness(env: Env = {}): Promise<Harness> {
  const standin = await AgentCoreStandin.start();
  const hosts: StreamingHandlerHost[] = [];
  const load = (more: Env): StreamingHandlerHost => {
    const host = loadStreamingHandler(bundleFile(), { ...baseEnv(standin.url), ...more });
    hosts.push(host);
    return host;
  };
  const host = load(env);
  return {
    standin,
    host,
    load,
    reset: () => {
      const errors = [...standin.responderErrors];
      standin.reset();
      if (errors.length > 0) throw errors[0];
    },
    close: async () => {
      for (const h of hosts) h.dispose();
      await standin.close();
    },
  };
}

export function invokeEvent(
  body: unknown,
  init: Partial<ProxyEventInit> = {},
): APIGatewayProxyEvent {
  const { headers, ...rest } = init;
  return buildProxyEvent({
    method: "POST",
    path: "/invoke",
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...rest,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export interface Call {
  invocation: Invocation;
  response: Promise<LambdaHttpResponse>;
}

export function call(
  host: LambdaHost,
  event: APIGatewayProxyEvent,
  options: InvokeOptions = {},
): Call {
  const invocation = host.invoke(event, { deadlineMs: 30_000, ...options });
  return { invocation, response: decodeLambdaResponse(invocation) };
}

/** Calls and reads the whole answer. */
export async function answer(
  host: LambdaHost,
  event: APIGatewayProxyEvent,
  options: InvokeOptions = {},
): Promise<{ status: number; headers: Record<string, string>; text: string; json: unknown }> {
  const { invocation, response } = call(host, event, options);
  const r = await response;
  const reader = new BodyReader(r.body);
  await within(reader.ended, 20_000, "the answer did not end");
  const result = await invocation.result;
  if (result.error !== undefined)
    throw new Error(`the Lambda failed: ${result.error.errorMessage}`);
  let json: unknown;
  try {
    json = JSON.parse(reader.text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: lower(r.headers), text: reader.text, json };
}

export function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Reads a body as it streams, so tests can wait for what the client has seen so far. */
export class BodyReader {
  readonly chunks: Buffer[] = [];
  readonly ended: Promise<void>;
  private waiters: { test: (text: string) => boolean; resolve: () => void }[] = [];

  constructor(body: Readable) {
    this.ended = new Promise((resolve, reject) => {
      body.on("data", (chunk: Buffer) => {
        this.chunks.push(chunk);
        const text = this.text;
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(text)) return true;
          w.resolve();
          return false;
        });
      });
      body.on("end", () => resolve());
      body.on("error", reject);
    });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString("utf8");
  }

  /** Resolves once the client has seen `what` (a substring, or a test on all text so far). */
  waitFor(what: string | ((text: string) => boolean), ms = 15_000): Promise<void> {
    const test = typeof what === "string" ? (t: string) => t.includes(what) : what;
    if (test(this.text)) return Promise.resolve();
    const seen = new Promise<void>((resolve) => this.waiters.push({ test, resolve }));
    return within(
      seen,
      ms,
      `the client never saw ${JSON.stringify(String(what))}; it has ${JSON.stringify(this.text)}`,
    );
  }
}

/** A promise the test settles by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A promise the test opens by hand. */
export function gate(): { promise: Promise<void>; open: () => void } {
  const d = deferred<void>();
  return { promise: d.promise, open: () => d.resolve() };
}

/**
 * Fails with `message` unless `promise` settles within `ms`. The limits are generous: tests
 * assert order and outcome, and only use time to turn a hang into a readable failure.
 */
export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface SseMessage {
  event: string | undefined;
  data: string;
}

/** A strict SSE reader for assertions: comments are returned as events named ":comment". */
export function parseSse(text: string): SseMessage[] {
  const out: SseMessage[] = [];
  for (const block of text.split("\n\n")) {
    if (block === "") continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) out.push({ event: ":comment", data: line.slice(1).trim() });
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) out.push({ event, data: data.join("\n") });
  }
  return out;
}

/** Asserts that nothing sensitive reaches the client. */
export function assertNoLeak(text: string, extra: string[] = []): void {
  for (const secret of [ACCOUNT_ID, "arn:aws", RUNTIME_ARN, PROMPT, "    at ", ...extra]) {
    if (text.includes(secret)) {
      throw new Error(`the client saw ${JSON.stringify(secret)} in ${JSON.stringify(text)}`);
    }
  }
}
