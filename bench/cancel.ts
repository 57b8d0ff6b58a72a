import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { endlessAnswer } from "../agent/test/support/bedrock-standin";
import { startDevStack, type LambdaHostChoice } from "../local/dev-stack";
import { SseStream } from "../test/support/sse-stream";
import { rounded, summarize, type Summary } from "./stats";

/**
 * Cancel latency through the whole local chain of `npm run dev` (API Gateway stand-in, proxy
 * bundle in the dev stack's Lambda host, AgentCore stand-in, agent bundle, ConverseStream
 * stand-in): an answer streams tokens, the client sends POST /sessions/{id}/cancel, and the
 * clock runs from that request to (a) the model's HTTP/2 stream being reset, as the model
 * stand-in sees it, and (b) the end of the proxy's Lambda invocation of the answer, as the
 * Lambda host sees it. Both are what a user's Stop saves: tokens generated for nobody, and a
 * Lambda billed for nothing.
 */

/** What the issue asks of a cancel, here as a target on p99: both within a second. */
export const TARGET_CANCEL_P99_MS = 1_000;

/** A model that keeps streaming: a token every 5 ms (for about 8 minutes). */
const ENDLESS = endlessAnswer(5);

export interface CancelResult {
  rounds: number;
  lambdaHost: string;
  /** From sending the cancel request to the model stream's reset. */
  modelResetMs: Summary;
  /** From sending the cancel request to the end of the answer's Lambda invocation. */
  invocationEndMs: Summary;
  /** From sending the cancel request to its 200 answer. */
  cancelAnswerMs: Summary;
  errors: number;
  target: { maxP99Ms: number; met: boolean };
}

export interface CancelOptions {
  rounds: number;
  lambdaHost?: LambdaHostChoice;
  log?: (line: string) => void;
}

export async function measureCancel(options: CancelOptions): Promise<CancelResult> {
  const outdir = path.join(os.tmpdir(), `agentcore-stream-bench-cancel-${process.pid}`);
  const stack = await startDevStack({
    handlerOutdir: outdir,
    proxyLogLevel: "SILENT",
    lambdaHost: options.lambdaHost,
  });
  const reset: number[] = [];
  const ended: number[] = [];
  const answered: number[] = [];
  let errors = 0;
  try {
    const bedrock = stack.bedrock!;
    const headers = { "x-api-key": stack.apiKey };
    // One warm-up round, not counted: the first cancel starts a second execution environment.
    for (let round = 0; round <= options.rounds; round++) {
      const sessionId = `bench-cancel-${randomUUID()}`;
      bedrock.enqueue(ENDLESS);
      const models = bedrock.requests.length;
      const invocations = stack.invocations.length;
      const response = await fetch(`${stack.gatewayUrl}/invoke`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ prompt: "Count for a long time", sessionId }),
      });
      // Tokens are flowing once the client has three of them (an answer that ends sooner fails
      // the round below).
      const answer = new SseStream(response);
      const texts = () => answer.events.filter((e) => e.event === "text").length;
      const flowing = answer.waitFor(() => texts() >= 3);
      flowing.catch(() => undefined);
      await Promise.race([flowing, answer.ended]);
      const [model] = (await bedrock.waitForRequests(models + 1)).slice(models);
      const invocation = stack.invocations[invocations]!;

      const sentAt = Date.now();
      const cancel = await fetch(`${stack.gatewayUrl}/sessions/${sessionId}/cancel`, {
        method: "POST",
        headers,
      });
      const answeredAt = Date.now();
      const body = (await cancel.json()) as { cancelled?: boolean };
      const settled = await model!.settled;
      const end = await invocation.ended;
      await answer.ended;
      if (!cancel.ok || body.cancelled !== true || settled !== "aborted" || end.error) {
        errors++;
        continue;
      }
      if (round === 0) continue;
      answered.push(answeredAt - sentAt);
      reset.push(model!.closedAt! - sentAt);
      ended.push(end.endedAt - sentAt);
      if (round % 10 === 0) options.log?.(`cancel: ${round}/${options.rounds}`);
    }
  } finally {
    await stack.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
  const modelResetMs = rounded(summarize(reset));
  const invocationEndMs = rounded(summarize(ended));
  return {
    rounds: options.rounds,
    lambdaHost: stack.lambdaHost.kind,
    modelResetMs,
    invocationEndMs,
    cancelAnswerMs: rounded(summarize(answered)),
    errors,
    target: {
      maxP99Ms: TARGET_CANCEL_P99_MS,
      met:
        errors === 0 &&
        modelResetMs.p99 <= TARGET_CANCEL_P99_MS &&
        invocationEndMs.p99 <= TARGET_CANCEL_P99_MS,
    },
  };
}
