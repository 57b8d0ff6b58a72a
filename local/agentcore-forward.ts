import { request as httpRequest, type IncomingMessage } from "node:http";
import type { ResponseController, Responder } from "./agentcore-standin";
import { verifySigV4, type StaticCredentials } from "./sigv4-verify";

/**
 * Responders that make the AgentCore stand-in behave like the data plane in front of one agent
 * container: verify the SDK's SigV4 signature, enforce the runtime session id rule, and forward
 * InvokeAgentRuntime to the container's `POST /invocations` with the headers the runtime adds,
 * streaming the answer back as it comes.
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

export function forwardInvoke(options: ForwardOptions): Responder {
  return async (ctl) => {
    if (!(await authorize(ctl, options)) || !(await checkSession(ctl, options))) return;
    const req = ctl.request;
    const started = Date.now();
    const headers: Record<string, string> = {
      "content-type": String(req.headers["content-type"] ?? "application/json"),
      accept: "text/event-stream",
      "content-length": String(req.body.length),
      "x-amzn-bedrock-agentcore-runtime-session-id": req.sessionId!,
      "x-amzn-bedrock-agentcore-runtime-request-id": String(
        req.headers["x-amzn-requestid"] ?? `local-${req.seq}`,
      ),
    };
    if (req.userId !== undefined) headers["x-amzn-bedrock-agentcore-runtime-user-id"] = req.userId;

    const upstream = httpRequest(`${options.agentUrl}/invocations`, { method: "POST", headers });
    void ctl.whenAborted.then(() => upstream.destroy());
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
    try {
      for await (const chunk of response) {
        if (ctl.aborted) break;
        await ctl.write(chunk as Buffer);
      }
    } catch {
      // The container went away mid-answer: the service breaks the stream.
      if (!ctl.aborted) {
        options.log?.("InvokeAgentRuntime: the agent's stream broke; cutting the connection");
        ctl.cut();
      }
      return;
    }
    if (ctl.aborted) {
      options.log?.(`InvokeAgentRuntime: the caller went away after ${Date.now() - started} ms`);
      upstream.destroy();
      return;
    }
    if (!response.complete) {
      options.log?.("InvokeAgentRuntime: the agent's stream broke; cutting the connection");
      ctl.cut();
      return;
    }
    await ctl.end();
  };
}

export function answerStop(options: ForwardOptions): Responder {
  return async (ctl) => {
    if (!(await authorize(ctl, options)) || !(await checkSession(ctl, options))) return;
    // The agent has no way to be told to drop a session; the answer is the service's success.
    options.log?.(`StopRuntimeSession session=${ctl.request.sessionId!.slice(0, 8)}… → 200`);
    ctl.start({ status: 200, contentType: "application/json" });
    await ctl.end("{}");
  };
}
