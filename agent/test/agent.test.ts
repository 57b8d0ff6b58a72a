// End-to-end tests of the built agent bundle: a child process on a free port, its BedrockModel
// talking to the ConverseStream stand-in over HTTP/2 and the AWS event-stream encoding. Nothing of
// the agent is mocked; the stand-in replaces Bedrock at the wire.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { AgentProcess } from "./support/agent-process.js";
import { agentWithModel } from "./support/agent-with-model.js";
import {
  BedrockStandin,
  gate,
  httpErrorAnswer,
  streamExceptionAnswer,
  textAnswer,
  toolUseAnswer,
  userTexts,
  type Step,
} from "./support/bedrock-standin.js";
import { invoke, ping, texts, waitForPing, type SseEvent } from "./support/sse-client.js";

const MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const SYSTEM_PROMPT = "You are the agentcore-stream test agent.\nAnswer briefly.";

function newSession(): string {
  // AgentCore session ids are 33 to 256 characters; a UUID plus a prefix fits.
  return `test-session-${randomUUID()}`;
}

function last(events: SseEvent[]): SseEvent {
  const event = events.at(-1);
  assert.ok(event, "the stream had no events");
  return event;
}

describe("agent (built bundle against the ConverseStream stand-in)", function () {
  const fixture = agentWithModel({
    MODEL_ID,
    MODEL_REGION: "eu-west-1",
    MAX_TOKENS: "512",
    TEMPERATURE: "0.2",
    SYSTEM_PROMPT,
    GUARDRAIL_ID: "gr0standin0",
    GUARDRAIL_VERSION: "3",
  });
  let standin: BedrockStandin;
  let agent: AgentProcess;
  before(function () {
    ({ standin, agent } = fixture);
  });

  describe("streaming", function () {
    it("sends each delta as it arrives, before the model has finished", async function () {
      const hold = gate();
      standin.enqueue({
        steps: [{ text: "Hello" }, { gate: hold }, { text: " there," }, { text: " friend." }],
      });

      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Say hello" },
        { sessionId: newSession() },
      );
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers["content-type"]), /^text\/event-stream/);

      const first = await stream.next();
      assert.deepEqual(first, { event: "text", data: { text: "Hello" } });
      // The client holds the first delta while the model stand-in is still paused mid-answer.
      assert.equal(standin.requests[0]?.state, "streaming");

      hold.open();
      const rest = await stream.rest();
      assert.equal(texts(rest), " there, friend.");
      assert.deepEqual(
        rest.map((event) => event.event),
        ["text", "text", "done"],
      );
      const done = last(rest).data as { stopReason: string; usage: Record<string, number> };
      assert.equal(done.stopReason, "endTurn");
      assert.deepEqual(Object.keys(done.usage).sort(), [
        "inputTokens",
        "outputTokens",
        "totalTokens",
      ]);
      assert.equal(done.usage.totalTokens, done.usage.inputTokens! + done.usage.outputTokens!);
      assert.equal(await standin.requests[0]!.settled, "completed");
    });

    it("relays a model stream that never pauses: each delta reaches the client while the model sends", async function () {
      // The model stand-in sends a delta every timer tick and never goes quiet: it stops once the
      // client has seen SEEN_ENOUGH text events, or after MAX_DELTAS. Stand-in and client share
      // this process, so each arrival is compared with the count of deltas sent at that moment,
      // not with a clock: a streaming agent hands each delta on within a few ticks (the agent is
      // another process: lags up to 6 were seen on a loaded machine); one that merges deltas
      // and flushes when the model goes quiet holds everything back until a pause, or until the
      // model has sent all MAX_DELTAS.
      const MAX_DELTAS = 500;
      const SEEN_ENOUGH = 10;
      const MAX_LAG = 50;
      let sent = 0;
      const sentWhenSeen: number[] = [];
      function* deltas(): Generator<Step> {
        while (sent < MAX_DELTAS && sentWhenSeen.length < SEEN_ENOUGH) {
          yield { text: `w${sent} ` };
          sent += 1; // the stand-in has sent it: it asks for the next step only after that
          yield { delayMs: 1 };
        }
      }
      standin.enqueue({ steps: [{ each: deltas() }] });

      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Go on and on" },
        { sessionId: newSession() },
      );
      const events: SseEvent[] = [];
      for (let event = await stream.next(); event !== undefined; event = await stream.next()) {
        events.push(event);
        if (event.event === "text") sentWhenSeen.push(sent);
      }

      // Lag: how many deltas the model had sent beyond event i when event i reached the client.
      const lags = sentWhenSeen.slice(0, SEEN_ENOUGH).map((count, i) => count - (i + 1));
      assert.equal(lags.length, SEEN_ENOUGH, `the client saw ${lags.length} text events`);
      assert.ok(
        Math.max(...lags) <= MAX_LAG,
        `the agent held deltas back; lags: ${lags.join(",")}`,
      );
      assert.equal(texts(events), [...Array(sent).keys()].map((i) => `w${i} `).join(""));
      assert.equal(last(events).event, "done");
    });

    it("puts nothing on the wire but event lines, one-line JSON data and blank lines", async function () {
      standin.enqueue(textAnswer(['Quotes " and\nnewlines', " and unicode ✓ 🚀"]));
      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Anything" },
        { sessionId: newSession() },
      );
      const events = await stream.rest();
      assert.equal(texts(events), 'Quotes " and\nnewlines and unicode ✓ 🚀');
      for (const line of stream.lines) {
        assert.match(
          line,
          /^(event: (text|tool|done|error)|data: \{.*\}|)$/,
          `unexpected line ${JSON.stringify(line)}`,
        );
      }
    });

    it("sends the configured model, region, inference settings, system prompt and guardrail to Bedrock", async function () {
      standin.enqueue(textAnswer("Configured."));
      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Check the settings" },
        { sessionId: newSession() },
      );
      assert.equal(last(await stream.rest()).event, "done");

      const [request] = await standin.waitForRequests(1);
      assert.equal(request!.modelId, MODEL_ID);
      assert.deepEqual(request!.body.inferenceConfig, { maxTokens: 512, temperature: 0.2 });
      assert.deepEqual(request!.body.system, [{ text: SYSTEM_PROMPT }]);
      assert.equal(request!.body.guardrailConfig?.guardrailIdentifier, "gr0standin0");
      assert.equal(request!.body.guardrailConfig?.guardrailVersion, "3");
      assert.deepEqual(request!.toolNames, ["current_time"]);
      // SigV4-signed for Bedrock in MODEL_REGION, not AWS_REGION.
      assert.match(
        request!.headers.authorization ?? "",
        /^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
      );
    });
  });

  describe("tools", function () {
    it("streams a tool-use round trip: tool start, tool result, then the model's answer", async function () {
      standin.enqueue(
        toolUseAnswer(
          { name: "current_time", input: { timezone: "Asia/Tokyo" }, toolUseId: "tooluse_tokyo" },
          { text: "Let me check." },
        ),
        textAnswer("It is late in Tokyo."),
      );
      const stream = await invoke(
        agent.baseUrl,
        { prompt: "What time is it in Tokyo?" },
        { sessionId: newSession() },
      );
      const events = await stream.rest();

      assert.deepEqual(
        events.filter((event) => event.event === "tool"),
        [
          {
            event: "tool",
            data: {
              phase: "start",
              toolUseId: "tooluse_tokyo",
              name: "current_time",
              input: { timezone: "Asia/Tokyo" },
            },
          },
          {
            event: "tool",
            data: {
              phase: "result",
              toolUseId: "tooluse_tokyo",
              name: "current_time",
              status: "success",
            },
          },
        ],
      );
      assert.equal(texts(events), "Let me check.It is late in Tokyo.");
      const order = events.map((event) =>
        event.event === "tool" ? `tool:${(event.data as { phase: string }).phase}` : event.event,
      );
      assert.deepEqual(order.slice(order.indexOf("tool:start")), [
        "tool:start",
        "tool:result",
        "text",
        "text",
        "text",
        "text",
        "text",
        "done",
      ]);

      // The tool really ran, and its result went back to the model.
      const requests = await standin.waitForRequests(2);
      const result = requests[1]!.toolResults[0];
      assert.equal(result?.toolUseId, "tooluse_tokyo");
      assert.equal(result?.status, "success");
      assert.equal((result?.json as { timezone: string }).timezone, "Asia/Tokyo");
      assert.match((result?.json as { iso: string }).iso, /^\d{4}-\d{2}-\d{2}T/);

      // Usage adds up both model calls of the invocation.
      const done = last(events).data as { stopReason: string; usage: { totalTokens: number } };
      assert.equal(done.stopReason, "endTurn");
      assert.ok(done.usage.totalTokens > 0);
    });

    it("reports a failing tool as an error result and lets the model recover", async function () {
      standin.enqueue(
        toolUseAnswer({
          name: "current_time",
          input: { timezone: "Mars/Olympus_Mons" },
          toolUseId: "tooluse_mars",
        }),
        textAnswer("That time zone does not exist."),
      );
      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Time on Mars?" },
        { sessionId: newSession() },
      );
      const events = await stream.rest();
      assert.deepEqual(
        events.find(
          (event) => event.event === "tool" && (event.data as { phase: string }).phase === "result",
        )?.data,
        {
          phase: "result",
          toolUseId: "tooluse_mars",
          name: "current_time",
          status: "error",
        },
      );
      assert.equal(last(events).event, "done");
      const requests = await standin.waitForRequests(2);
      assert.equal(requests[1]!.toolResults[0]?.status, "error");
      assert.match(requests[1]!.toolResults[0]!.text, /Unknown time zone/);
    });
  });

  describe("sessions", function () {
    it("remembers the first turn in the second turn of a session", async function () {
      const session = newSession();
      standin.enqueue(textAnswer("Nice to meet you, Ada."), textAnswer("Your name is Ada."));

      await (
        await invoke(agent.baseUrl, { prompt: "My name is Ada." }, { sessionId: session })
      ).rest();
      const second = await (
        await invoke(agent.baseUrl, { prompt: "What is my name?" }, { sessionId: session })
      ).rest();
      assert.equal(texts(second), "Your name is Ada.");

      const [, request] = await standin.waitForRequests(2);
      assert.deepEqual(
        request!.messages.map((message) => message.role),
        ["user", "assistant", "user"],
      );
      assert.deepEqual(userTexts(request!), ["My name is Ada.", "What is my name?"]);
      assert.equal(request!.messages[1]!.content[0]!.text, "Nice to meet you, Ada.");
    });

    it("keeps two sessions apart", async function () {
      const alice = newSession();
      const bob = newSession();
      standin.enqueue(textAnswer("Hi Alice."), textAnswer("Hi Bob."), textAnswer("You are Alice."));

      await (await invoke(agent.baseUrl, { prompt: "I am Alice." }, { sessionId: alice })).rest();
      await (await invoke(agent.baseUrl, { prompt: "I am Bob." }, { sessionId: bob })).rest();
      await (await invoke(agent.baseUrl, { prompt: "Who am I?" }, { sessionId: alice })).rest();

      const [, bobRequest, aliceAgain] = await standin.waitForRequests(3);
      assert.deepEqual(userTexts(bobRequest!), ["I am Bob."]);
      assert.deepEqual(userTexts(aliceAgain!), ["I am Alice.", "Who am I?"]);
      assert.ok(!JSON.stringify(aliceAgain!.messages).includes("Bob"));
    });

    it("answers two sessions at the same time without mixing their streams", async function () {
      const holdAlice = gate();
      const holdBob = gate();
      standin.respondWith((request) =>
        request.prompt === "Alice here"
          ? { steps: [{ text: "For" }, { gate: holdAlice }, { text: " Alice" }] }
          : { steps: [{ text: "For" }, { gate: holdBob }, { text: " Bob" }] },
      );
      const alice = await invoke(
        agent.baseUrl,
        { prompt: "Alice here" },
        { sessionId: newSession() },
      );
      const bob = await invoke(agent.baseUrl, { prompt: "Bob here" }, { sessionId: newSession() });
      await alice.next();
      await bob.next();
      assert.equal((await ping(agent.baseUrl)).status, "HealthyBusy");

      holdBob.open();
      const bobRest = await bob.rest();
      // Alice's answer is still open after Bob's has finished.
      assert.equal((await ping(agent.baseUrl)).status, "HealthyBusy");
      holdAlice.open();
      const aliceRest = await alice.rest();
      assert.equal(texts(aliceRest), " Alice");
      assert.equal(texts(bobRest), " Bob");
      assert.equal(last(aliceRest).event, "done");
      assert.equal(last(bobRest).event, "done");
      assert.equal((await ping(agent.baseUrl)).status, "Healthy");
    });

    it("refuses a second concurrent request on a session with `busy`, and the first answer is unharmed", async function () {
      const session = newSession();
      const hold = gate();
      standin.enqueue({ steps: [{ text: "First" }, { gate: hold }, { text: " answer." }] });

      const first = await invoke(agent.baseUrl, { prompt: "One" }, { sessionId: session });
      assert.deepEqual(await first.next(), { event: "text", data: { text: "First" } });

      const second = await invoke(agent.baseUrl, { prompt: "Two" }, { sessionId: session });
      const refused = await second.rest();
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.event, "error");
      assert.equal((refused[0]!.data as { code: string }).code, "busy");
      assert.match((refused[0]!.data as { message: string }).message, /still answering/);

      hold.open();
      const rest = await first.rest();
      assert.equal(texts(rest), " answer.");
      assert.equal(last(rest).event, "done");
      // The refused prompt never reached the model, nor the session's history.
      assert.equal(standin.requests.length, 1);

      standin.enqueue(textAnswer("Three."));
      await (await invoke(agent.baseUrl, { prompt: "Three" }, { sessionId: session })).rest();
      const [, third] = await standin.waitForRequests(2);
      assert.deepEqual(userTexts(third!), ["One", "Three"]);
    });

    it("lets a client send its next message as soon as it sees `done`", async function () {
      const session = newSession();
      standin.enqueue(textAnswer("One."), textAnswer("Two."));
      const first = await (
        await invoke(agent.baseUrl, { prompt: "1" }, { sessionId: session })
      ).rest();
      assert.equal(last(first).event, "done");
      const second = await (
        await invoke(agent.baseUrl, { prompt: "2" }, { sessionId: session })
      ).rest();
      assert.equal(last(second).event, "done");
      assert.equal(texts(second), "Two.");
    });
  });

  describe("model errors", function () {
    it("turns persistent throttling into `event: error` code throttled, after the AWS SDK's retries", async function () {
      standin.respondWith(() =>
        httpErrorAnswer(
          "ThrottlingException",
          "Rate exceeded for arn:aws:bedrock:eu-west-1:123456789012:x",
        ),
      );
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: newSession() })
      ).rest();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.event, "error");
      const error = events[0]!.data as { code: string; message: string; requestId?: string };
      assert.equal(error.code, "throttled");
      assert.doesNotMatch(error.message, /arn:|123456789012/);
      // The SDK's standard retry strategy: 3 attempts.
      assert.equal(standin.requests.length, 3);
    });

    it("streams normally when throttling clears within the SDK's retries", async function () {
      standin.enqueue(httpErrorAnswer("ThrottlingException"), textAnswer("Made it."));
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: newSession() })
      ).rest();
      assert.equal(texts(events), "Made it.");
      assert.equal(last(events).event, "done");
      assert.equal(standin.requests.length, 2);
    });

    it("turns a throttling exception inside the stream into code throttled, after the text already sent", async function () {
      standin.enqueue(streamExceptionAnswer("ThrottlingException", { afterText: ["Partial"] }));
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: newSession() })
      ).rest();
      assert.deepEqual(
        events.map((event) => event.event),
        ["text", "error"],
      );
      assert.equal((last(events).data as { code: string }).code, "throttled");
      // Not retried: the text has already been streamed.
      assert.equal(standin.requests.length, 1);
    });

    it("turns a validation error into code validation without leaking the provider's message", async function () {
      standin.enqueue(
        httpErrorAnswer("ValidationException", "messages.0.content: secret prompt text"),
      );
      const events = await (
        await invoke(agent.baseUrl, { prompt: "secret prompt text" }, { sessionId: newSession() })
      ).rest();
      assert.equal(events.length, 1);
      const error = events[0]!.data as { code: string; message: string };
      assert.equal(events[0]!.event, "error");
      assert.equal(error.code, "validation");
      assert.doesNotMatch(error.message, /secret/);
      assert.equal(standin.requests.length, 1, "validation errors are not retried");
    });

    it("turns other model failures into code model_error", async function () {
      standin.enqueue(streamExceptionAnswer("ModelStreamErrorException"));
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: newSession() })
      ).rest();
      assert.equal(last(events).event, "error");
      assert.equal((last(events).data as { code: string }).code, "model_error");
    });

    it("reports an answer cut off at MAX_TOKENS as model_error after the text already sent", async function () {
      standin.enqueue(textAnswer("This answer goes on and", { stopReason: "max_tokens" }));
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Go on" }, { sessionId: newSession() })
      ).rest();
      assert.equal(texts(events), "This answer goes on and");
      const error = last(events).data as { code: string; message: string };
      assert.equal(last(events).event, "error");
      assert.equal(error.code, "model_error");
      assert.match(error.message, /maximum length/);
    });

    it("ends a guardrail intervention with done and the guardrail's stop reason", async function () {
      standin.enqueue(
        textAnswer("Sorry, I cannot help with that.", { stopReason: "guardrail_intervened" }),
      );
      const events = await (
        await invoke(agent.baseUrl, { prompt: "Something forbidden" }, { sessionId: newSession() })
      ).rest();
      assert.equal(texts(events), "Sorry, I cannot help with that.");
      assert.equal(last(events).event, "done");
      assert.equal((last(events).data as { stopReason: string }).stopReason, "guardrailIntervened");
    });

    it("includes the runtime request id in errors", async function () {
      standin.enqueue(httpErrorAnswer("ValidationException"));
      const requestId = randomUUID();
      const events = await (
        await invoke(
          agent.baseUrl,
          { prompt: "Hi" },
          {
            sessionId: newSession(),
            headers: { "x-amzn-bedrock-agentcore-runtime-request-id": requestId },
          },
        )
      ).rest();
      assert.equal((last(events).data as { requestId?: string }).requestId, requestId);
    });

    it("rolls a failed turn back, so the session's next turn is accepted by the model", async function () {
      const session = newSession();
      standin.enqueue(
        textAnswer("First answer."),
        httpErrorAnswer("ValidationException"),
        textAnswer("Third answer."),
      );
      await (await invoke(agent.baseUrl, { prompt: "First" }, { sessionId: session })).rest();
      const failed = await (
        await invoke(agent.baseUrl, { prompt: "Second" }, { sessionId: session })
      ).rest();
      assert.equal(last(failed).event, "error");
      const third = await (
        await invoke(agent.baseUrl, { prompt: "Third" }, { sessionId: session })
      ).rest();
      assert.equal(last(third).event, "done");

      const requests = await standin.waitForRequests(3);
      // Without the rollback Bedrock would get two user messages in a row.
      assert.deepEqual(
        requests[2]!.messages.map((message) => message.role),
        ["user", "assistant", "user"],
      );
      assert.deepEqual(userTexts(requests[2]!), ["First", "Third"]);
    });
  });

  describe("client disconnect", function () {
    it("aborts the model request at once, frees the session and keeps what was sent of the turn", async function () {
      const session = newSession();
      const never = gate();
      standin.enqueue({ steps: [{ text: "Thinking" }, { gate: never }, { text: " never sent" }] });

      const stream = await invoke(
        agent.baseUrl,
        { prompt: "Abandoned question" },
        { sessionId: session },
      );
      assert.deepEqual(await stream.next(), { event: "text", data: { text: "Thinking" } });
      stream.close();

      // The stand-in is still paused: only the agent cancelling its request can end it.
      const [request] = await standin.waitForRequests(1);
      assert.equal(await request!.settled, "aborted");
      assert.equal(request!.framesSent, 2, "no frame after the disconnect"); // messageStart + 1 delta

      await waitForPing(agent.baseUrl, "Healthy");
      standin.enqueue(textAnswer("Fresh start."));
      const next = await (
        await invoke(agent.baseUrl, { prompt: "New question" }, { sessionId: session })
      ).rest();
      assert.equal(last(next).event, "done");
      const [, followUp] = await standin.waitForRequests(2);
      // As after a cancel: the question and the part of the answer that went out.
      assert.deepEqual(userTexts(followUp!), ["Abandoned question", "New question"]);
      assert.deepEqual(followUp!.messages[1], {
        role: "assistant",
        content: [{ text: "Thinking" }],
      });
    });

    it("aborts the model request even before the first token", async function () {
      const never = gate();
      standin.enqueue({ steps: [{ gate: never }, { text: "never sent" }] });
      // The runtime sends the response headers with the first event, so this client is still
      // waiting for them when it gives up.
      const giveUp = new AbortController();
      const pending = invoke(
        agent.baseUrl,
        { prompt: "Slow start" },
        { sessionId: newSession(), signal: giveUp.signal },
      );
      const [request] = await standin.waitForRequests(1);
      giveUp.abort();
      await assert.rejects(pending);

      assert.equal(await request!.settled, "aborted");
      await waitForPing(agent.baseUrl, "Healthy");
    });
  });

  describe("/ping", function () {
    it("is HealthyBusy while a stream is open and Healthy after, always with time_of_last_update", async function () {
      const idle = await ping(agent.baseUrl);
      assert.equal(idle.status, "Healthy");
      assert.ok(Number.isInteger(idle.time_of_last_update));

      const hold = gate();
      standin.enqueue({ steps: [{ text: "Working" }, { gate: hold }, { text: " done." }] });
      const stream = await invoke(agent.baseUrl, { prompt: "Work" }, { sessionId: newSession() });
      await stream.next();

      const busy = await ping(agent.baseUrl);
      assert.equal(busy.status, "HealthyBusy");
      assert.ok(Number.isInteger(busy.time_of_last_update));
      assert.ok(busy.time_of_last_update >= idle.time_of_last_update);
      assert.ok(
        Math.abs(busy.time_of_last_update - Date.now() / 1000) < 60,
        "unix seconds, recent",
      );

      hold.open();
      assert.equal(last(await stream.rest()).event, "done");
      // The stream's last event is sent after the session is released: no polling needed.
      const after = await ping(agent.baseUrl);
      assert.equal(after.status, "Healthy");
      assert.ok(after.time_of_last_update >= busy.time_of_last_update);
    });
  });

  describe("invalid requests", function () {
    interface HttpError {
      statusCode: number;
      code: string;
      error: string;
      message: string;
    }

    async function badRequest(
      body: unknown,
      options: Parameters<typeof invoke>[2],
    ): Promise<HttpError> {
      const response = await invoke(agent.baseUrl, body, options);
      assert.equal(response.status, 400);
      assert.match(String(response.headers["content-type"]), /^application\/json/);
      const error = (await response.json()) as HttpError;
      assert.equal(error.statusCode, 400);
      assert.equal(error.code, "validation");
      assert.equal(error.error, "Bad Request");
      assert.equal(typeof error.message, "string");
      assert.equal(standin.requests.length, 0, "nothing reached the model");
      return error;
    }

    const cases: Array<[string, unknown, RegExp]> = [
      ["no prompt", {}, /prompt/],
      ["a prompt that is not a string", { prompt: 42 }, /prompt/],
      ["a blank prompt", { prompt: "   " }, /prompt: must not be blank/],
      ["a prompt over 100,000 characters", { prompt: "x".repeat(100_001) }, /prompt/],
      ["a body that is not an object", ["prompt"], /body/],
      ["a null body", null, /body/],
    ];
    for (const [name, body, message] of cases) {
      it(`answers 400 with a JSON error for ${name}`, async function () {
        const error = await badRequest(body, { sessionId: newSession() });
        assert.match(error.message, message);
      });
    }

    it("answers 400 with a JSON error for malformed JSON", async function () {
      const error = await badRequest(undefined, {
        sessionId: newSession(),
        rawBody: '{"prompt": "unterminated',
      });
      assert.match(error.message, /not valid JSON/);
    });

    it("answers 400 with a JSON error without a session id", async function () {
      const error = await badRequest({ prompt: "Hi" }, {});
      assert.match(error.message, /x-amzn-bedrock-agentcore-runtime-session-id/);
    });

    it("answers 400 as JSON whatever the client accepts", async function () {
      await badRequest({ prompt: 1 }, { sessionId: newSession(), accept: "application/json" });
      await badRequest({ prompt: 1 }, { sessionId: newSession(), accept: "*/*" });
    });

    it("answers 406 unless the client accepts text/event-stream (the proxy must send it)", async function () {
      const response = await invoke(
        agent.baseUrl,
        { prompt: "Hi" },
        { sessionId: newSession(), accept: "application/json" },
      );
      assert.equal(response.status, 406);
      assert.equal(typeof ((await response.json()) as { error?: unknown }).error, "string");
      assert.equal(standin.requests.length, 0);
      assert.equal((await ping(agent.baseUrl)).status, "Healthy");
    });
  });
});
