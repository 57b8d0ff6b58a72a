// A cancel that lands while a tool runs. In process (the shipped tools answer at once, so the
// bundle has no tool slow enough to cancel): the agent's own streamAnswer, cancelTurn and
// SessionPool with a real Strands Agent and BedrockModel, talking to the ConverseStream stand-in
// at the wire, and a tool that works until its abort signal tells it to stop.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Agent, BedrockModel, tool } from "@strands-agents/sdk";
import type { RequestContext } from "bedrock-agentcore/runtime";
import { z } from "zod";
import { cancelTurn, streamAnswer, type InvocationDeps } from "../src/invocation.js";
import type { ProtocolEvent } from "../src/events.js";
import { SessionPool } from "../src/sessions.js";
import { BedrockStandin, textAnswer, toolUseAnswer } from "./support/bedrock-standin.js";

interface ToolRun {
  started: Promise<void>;
  /** Resolves with the abort reason the tool's signal carried. */
  aborted: Promise<unknown>;
}

/** A tool that runs until its signal aborts, reporting when it started and how it was stopped. */
function slowTool(): { tool: ReturnType<typeof tool>; run: ToolRun } {
  let started!: () => void;
  let aborted!: (reason: unknown) => void;
  const run: ToolRun = {
    started: new Promise((resolve) => (started = resolve)),
    aborted: new Promise((resolve) => (aborted = resolve)),
  };
  const slow = tool({
    name: "slow_lookup",
    description: "Looks something up, slowly.",
    inputSchema: z.object({}),
    callback: (_input, context) =>
      new Promise<string>((_resolve, reject) => {
        started();
        const signal = context!.cancelSignal;
        signal.addEventListener(
          "abort",
          () => {
            aborted(signal.reason);
            reject(new Error("lookup cancelled"));
          },
          { once: true },
        );
      }),
  });
  return { tool: slow, run };
}

function context(sessionId: string): RequestContext {
  const log = { info: () => undefined, error: () => undefined, warn: () => undefined };
  return { sessionId, headers: {}, requestId: randomUUID(), log } as unknown as RequestContext;
}

describe("cancel while a tool runs (in process, the model at the wire)", function () {
  let standin: BedrockStandin;

  before(async function () {
    standin = await BedrockStandin.start();
  });

  after(async function () {
    await standin?.close();
  });

  it("tells the running tool through its abort signal and ends the answer with done/cancelled", async function () {
    const { tool: slow, run } = slowTool();
    const model = new BedrockModel({
      modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      region: "us-east-1",
      clientConfig: {
        endpoint: standin.endpoint,
        credentials: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin-secret" },
      },
    });
    const deps: InvocationDeps = {
      sessions: new SessionPool<Agent>({
        maxSessions: 10,
        create: () => new Agent({ model, tools: [slow], printer: false, retryStrategy: null }),
      }),
      beginActivity: () => () => undefined,
    };
    standin.enqueue(
      toolUseAnswer(
        { name: "slow_lookup", input: {} },
        { text: "Looking.", usage: { inputTokens: 5, outputTokens: 3 } },
      ),
      textAnswer("Next answer."),
    );
    const sessionId = `tool-cancel-${randomUUID()}`;

    const events: ProtocolEvent[] = [];
    const answering = (async () => {
      for await (const event of streamAnswer(deps, {
        prompt: "Look it up",
        context: context(sessionId),
        disconnected: undefined,
      })) {
        events.push(event);
      }
    })();
    await run.started;
    assert.deepEqual(await cancelTurn(deps, context(sessionId)), { cancelled: true });
    const reason = await run.aborted;
    assert.equal((reason as Error).name, "TurnCancelledError");
    await answering;
    assert.deepEqual(events.at(-1), {
      event: "done",
      // The model call before the tool finished: its usage is known.
      data: { stopReason: "cancelled", usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } },
    });

    // The session goes on; a tool call without its result is not kept.
    const next: ProtocolEvent[] = [];
    for await (const event of streamAnswer(deps, {
      prompt: "Something else",
      context: context(sessionId),
      disconnected: undefined,
    })) {
      next.push(event);
    }
    assert.equal(next.at(-1)?.event, "done");
    const followUp = standin.requests[1]!;
    assert.deepEqual(
      followUp.messages.map((message) => [message.role, message.content.map((b) => b.text)]),
      [
        ["user", ["Look it up"]],
        ["assistant", ["Looking."]],
        ["user", ["Something else"]],
      ],
    );
  });
});
