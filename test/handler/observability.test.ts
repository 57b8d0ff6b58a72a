import * as assert from "node:assert/strict";
import { sseEvent } from "../../local/agentcore-standin";
import { answer, invokeEvent, PROMPT, startHarness, type Harness } from "./helpers";

const ANSWER_TEXT = "The secret word is swordfish";
const SESSION = "observability-session-0123456789abcdef";

/** Runs `fn` while collecting what the function writes to stdout (CloudWatch Logs, in Lambda). */
async function captureStdout(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(
      ...String(chunk)
        .split("\n")
        .filter((l) => l.trim() !== ""),
    );
    const last = rest[rest.length - 1];
    if (typeof last === "function") (last as () => void)();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

describe("handler: logs and metrics", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  it("logs one JSON summary per request and EMF metrics, never the prompt or the answer", async () => {
    h.standin.onInvoke({
      body: [
        sseEvent("text", { text: ANSWER_TEXT }),
        sseEvent("done", {
          stopReason: "end_turn",
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        }),
      ],
    });
    const event = invokeEvent({ prompt: PROMPT, sessionId: SESSION });
    const lines = await captureStdout(async () => {
      const r = await answer(h.host, event);
      assert.equal(r.status, 200);
    });
    const all = lines.join("\n");
    for (const secret of [PROMPT, ANSWER_TEXT, SESSION]) {
      assert.ok(!all.includes(secret), `stdout must not contain ${JSON.stringify(secret)}`);
    }

    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = records.find((r) => r.message === "request");
    assert.ok(summary, `no summary log in ${all}`);
    assert.equal(summary.level, "INFO");
    assert.equal(summary.service, "agentcore-stream-proxy");
    assert.equal(summary.requestId, event.requestContext.requestId);
    assert.equal(summary.outcome, "complete");
    assert.equal(summary.status, 200);
    assert.match(String(summary.sessionHash), /^[0-9a-f]{16}$/);
    for (const field of ["timeToFirstByteMs", "bytes", "durationMs"]) {
      assert.equal(typeof summary[field], "number", field);
    }

    const emf = records.find((r) => r._aws !== undefined) as
      | { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } }
      | undefined;
    assert.ok(emf, `no EMF document in ${all}`);
    const metric = emf._aws.CloudWatchMetrics[0];
    assert.equal(metric.Namespace, "AgentcoreStreamTest");
    assert.deepEqual(metric.Metrics.map((m) => m.Name).sort(), [
      "StreamDuration",
      "StreamedBytes",
      "TimeToFirstByte",
    ]);
  });

  it("counts errors by code", async () => {
    h.standin.onInvoke({ error: { type: "RetryableConflictException" } });
    const lines = await captureStdout(async () => {
      assert.equal((await answer(h.host, invokeEvent({ prompt: PROMPT }))).status, 409);
    });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = records.find((r) => r.message === "request");
    assert.equal(summary?.errorCode, "busy");
    assert.equal((summary?.upstreamError as { name?: string }).name, "RetryableConflictException");
    const errors = records.find((r) => r.Errors !== undefined);
    assert.ok(errors, "an Errors metric");
    assert.equal(errors.ErrorCode, "busy");
  });
});
