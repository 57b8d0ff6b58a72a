import { request as httpRequest, type IncomingMessage } from "node:http";
import type { ResponseController, Responder } from "./agentcore-standin";
import { verifySigV4, type StaticCredentials } from "./sigv4-verify";

/**
 * Responders that make the AgentCore stand-in behave like the data plane in front of one agent
 * container: verify the SDK's SigV4 signature, enforce the runtime session id rule, forward
 * InvokeAgentRuntime to the container's `POST /invocations` with the headers the runtime adds,
 * streaming the answer back as it comes, and end sessions on StopRuntimeSession.
 */

export interface ForwardOptions {
  /** The agent container, e.g. `http://127.0.0.1:8080`. */
  agentUrl: string;
  credentials: StaticCredentials;
  region: string;
  /** Called with one line per request, for the dev log. */
  log?: (line: string) => void;
}

const SERVICE = "bedrock-agentcore";
const MAX_SESSION_ID = 256;

/**
 * The runtime sessions that are running. AgentCore gives each session a microVM of its own and
 * StopRuntimeSession ends it, so an invoke that reuses the id afterwards starts from nothing.
 * Locally one agent process serves every session, so a session that starts again after a stop is
 * forwarded under an id the agent has never seen (the id with its generation appended): the agent
 * keeps no memory of the stopped one, as a fresh microVM would not. Sessions do not end on their
 * own here (AgentCore's idle timeout, 15 minutes by default, is not modelled).
 */
export class RuntimeSessions {
  private readonly running = new Set<string>();
  private readonly generations = new Map<string, number>();

  /** Marks the session running; returns the id the agent gets for it. */
  start(sessionId: string): string {
    if (!this.running.has(sessionId)) {
      const previous = this.generations.get(sessionId);
      this.generations.set(sessionId, previous === undefined ? 0 : previous + 1);
      this.running.add(sessionId);
    }
    const generation = this.generations.get(sessionId)!;
    if (generation === 0) return sessionId;
    const suffix = `-g${generation}`;
    return `${sessionId.slice(0, MAX_SESSION_ID - suffix.length)}${suffix}`;
  }

  /** Ends the session; false when it was not running. */
  stop(sessionId: string): boolean {
    return this.running.delete(sessionId);
  }
}

/** The two operations of one runtime's data plane, sharing its sessions. */
export function agentRuntimeDataPlane(options: ForwardOptions): {
  invoke: Responder;
  stop: Responder;
} {
  const sessions = new RuntimeSessions();
  return { invoke: forwardInvoke(options, sessions), stop: answerStop(options, sessions) };
}
/** AgentCore's runtimeSessionId: 33..256 characters. */
const SESSION_ID = /^[A-Za-z0-9_-]{33,256}$/;

async function authorize(ctl: ResponseController, options: ForwardOptions): Promise<boolean> {
  const verdict = await verifySigV4(ctl.request, options.credentials, {
    region: options.region,
    service: SERVICE,
  });
  if (verdict.ok) return true;
  options.log?.(`${ctl.request.operation}: refused (${verdict.type}: ${verdict.message})`);
  await ctl.error(verdict.type, { status: 403, message: verdict.message });
  return false;
}

async function checkSession(ctl: ResponseController, options: ForwardOptions): Promise<boolean> {
  const id = ctl.request.sessionId;
  if (id !== undefined && SESSION_ID.test(id)) return true;
  const message = "runtimeSessionId must be 33 to 256 characters";
  options.log?.(`${ctl.request.operation}: refused (ValidationException: ${message})`);
  await ctl.error("ValidationException", { message });
  return false;
}

export function forwardInvoke(
  options: ForwardOptions,
  sessions: RuntimeSessions = new RuntimeSessions(),
): Responder {
  return async (ctl) => {
    if (!(await authorize(ctl, options)) || !(await checkSession(ctl, options))) return;
    const req = ctl.request;
    const agentSessionId = sessions.start(req.sessionId!);
    const started = Date.now();
    const headers: Record<string, string> = {
      "content-type": String(req.headers["content-type"] ?? "application/json"),
      // InvokeAgentRuntime's `accept`, passed on (a cancel asks for JSON, an answer for SSE).
      accept: String(req.headers.accept ?? "application/json"),
      "content-length": String(req.body.length),
      "x-amzn-bedrock-agentcore-runtime-session-id": agentSessionId,
      "x-amzn-bedrock-agentcore-runtime-request-id": String(
        req.headers["x-amzn-requestid"] ?? `local-${req.seq}`,
      ),
    };
    if (req.userId !== undefined) headers["x-amzn-bedrock-agentcore-runtime-user-id"] = req.userId;

    const upstream = httpRequest(`${options.agentUrl}/invocations`, { method: "POST", headers });
    // The agent's connection stays open when the caller goes away. Whether AgentCore passes a
    // caller's disconnect on to the container is not documented: this models the harsher case,
    // where it does not and the agent answers to the end, so only an explicit cancel stops it.
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        upstream.once("response", resolve);
        upstream.once("error", reject);
        upstream.end(req.body);
      });
    } catch (err) {
      if (ctl.aborted) return;
      options.log?.(`InvokeAgentRuntime: the agent is unreachable (${(err as Error).message})`);
      await ctl.error("RuntimeClientError", {
        message: "The agent runtime did not answer (is the agent running?)",
      });
      return;
    }
    const status = response.statusCode ?? 502;
    options.log?.(`InvokeAgentRuntime session=${req.sessionId!.slice(0, 8)}… → agent ${status}`);
    if (status >= 400) {
      // The data plane reports a failing container as RuntimeClientError (424).
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      await ctl.error("RuntimeClientError", {
        message: `The agent answered ${status}: ${Buffer.concat(chunks).toString("utf8").slice(0, 500)}`,
      });
      return;
    }
    ctl.start({
      status: 200,
      contentType: String(response.headers["content-type"] ?? "text/event-stream"),
    });
    let broke = false;
    let callerLeftAt: number | undefined;
    try {
      for await (const chunk of response) {
        // A caller that went away: the agent's answer is read to its end, and dropped.
        if (ctl.aborted) callerLeftAt ??= Date.now();
        else await ctl.write(chunk as Buffer);
      }
    } catch {
      broke = true;
    }
    if (ctl.aborted) {
      if (!broke) {
        options.log?.(
          `InvokeAgentRuntime: the caller went away after ${(callerLeftAt ?? Date.now()) - started} ms; the agent answered for ${Date.now() - started} ms`,
        );
      }
      return;
    }
    if (broke || !response.complete) {
      // The container went away mid-answer: the service breaks the stream.
      options.log?.("InvokeAgentRuntime: the agent's stream broke; cutting the connection");
      ctl.cut();
      return;
    }
    await ctl.end();
  };
}

export function answerStop(options: ForwardOptions, sessions: RuntimeSessions): Responder {
  return async (ctl) => {
    if (!(await authorize(ctl, options)) || !(await checkSession(ctl, options))) return;
    const id = ctl.request.sessionId!;
    if (!sessions.stop(id)) {
      options.log?.(`StopRuntimeSession session=${id.slice(0, 8)}… → not running (404)`);
      await ctl.error("ResourceNotFoundException", {
        message: "No running session has this runtimeSessionId.",
      });
      return;
    }
    options.log?.(`StopRuntimeSession session=${id.slice(0, 8)}… → 200`);
    ctl.start({ status: 200, contentType: "application/json" });
    await ctl.end("{}");
  };
}
