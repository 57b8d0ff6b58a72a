import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  chromium,
  type BrowserContext,
  type Locator,
  type Page,
  type Response,
} from "playwright-core";
import { defaultAnswer, type RecordedRequest } from "../../agent/test/support/bedrock-standin";
import { startDevStack, type DevStack } from "../../local/dev-stack";

/**
 * The page (local/web/index.html) in a real browser: headless Chromium, driven by playwright-core,
 * against the whole local chain (local API Gateway → proxy bundle → AgentCore stand-in → agent
 * bundle → offline model stand-in). Assertions are on order and outcome; time limits only turn
 * hangs into failures.
 */

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACTS = path.resolve(__dirname, "..", "..", "test-artifacts");
const SCREENSHOT = path.join(ARTIFACTS, "browser-chat.png");
/** Slow enough that sampling the page sees the answer grow, even on a loaded machine. */
const WORD_DELAY_MS = 50;
/** Upper bound for one condition; only turns a hang into a failure. */
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The text the offline model stand-in streams for a request (its deterministic default answer). */
function expectedAnswer(request: RecordedRequest): string {
  return (defaultAnswer(request).steps ?? [])
    .map((step) => ("text" in step ? step.text : ""))
    .join("");
}

/** Each value is a strict extension of the one before it (longer, and starts with it). */
function assertGrowing(values: readonly string[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(
      values[i].length > values[i - 1].length && values[i].startsWith(values[i - 1]),
      `sample ${i} does not extend sample ${i - 1}: ${JSON.stringify(values)}`,
    );
  }
}

describe("e2e: the web page in headless Chromium", function () {
  this.timeout(120_000);
  let stack: DevStack | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let profileDir: string | undefined;
  const handlerOutdir = path.join(os.tmpdir(), `agentcore-stream-browser-${process.pid}`);

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const reason = `${CHROMIUM} is missing (Debian: apt-get install chromium)`;
      if (process.env.CI) {
        throw new Error(`${reason}; CI installs it through .ci/run, so this is a setup failure`);
      }
      console.log(`    skipping the browser tests: ${reason}`);
      this.skip();
    }
    stack = await startDevStack({
      gatewayPort: 0,
      handlerOutdir,
      proxyLogLevel: "SILENT",
      wordDelayMs: WORD_DELAY_MS,
    });
    profileDir = mkdtempSync(path.join(os.tmpdir(), "agentcore-stream-chromium-"));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 900 },
    });
    context.setDefaultTimeout(WAIT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(stack.gatewayUrl);
    // The key, typed into the settings like a user would (the page also defaults to the local one).
    await page.locator("summary", { hasText: "Settings" }).click();
    await page.locator("#apiKey").fill(stack.apiKey);
    await page.locator("summary", { hasText: "Settings" }).click();
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await stack?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    rmSync(handlerOutdir, { recursive: true, force: true });
  });

  const answers = () => page.locator("#log > .answer");
  const finished = () => page.locator("#log > .meta", { hasText: /^done \(/ });
  const sessionText = async () => ((await page.locator("#session").textContent()) ?? "").trim();

  /** Types the prompt into the prompt box and sends it; resolves with its answer element. */
  async function ask(prompt: string, how: "click" | "ctrl+enter" = "click"): Promise<Locator> {
    const before = await answers().count();
    await page.locator("#send").waitFor({ state: "visible" });
    assert.ok(await page.locator("#send").isEnabled(), "Send is disabled before asking");
    await page.locator("#prompt").pressSequentially(prompt);
    if (how === "click") await page.locator("#send").click();
    else await page.locator("#prompt").press("Control+Enter");
    await answers().nth(before).waitFor({ state: "attached" });
    return answers().nth(before);
  }

  /**
   * Samples the answer's text until the turn's `done` line appears: returns each distinct value
   * seen, in order, the last one read after `done` was shown (so it is the final text).
   */
  async function sampleUntilDone(answer: Locator, doneCount: number): Promise<string[]> {
    const seen: string[] = [];
    const errors = page.locator("#log > .error");
    const errorsBefore = await errors.count();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const done = (await finished().count()) >= doneCount;
      const text = (await answer.textContent()) ?? "";
      if (text !== seen.at(-1)) seen.push(text);
      if (done) return seen;
      const shown = (await errors.allTextContents()).slice(errorsBefore);
      assert.deepEqual(shown, [], `the page shows an error; seen: ${JSON.stringify(seen)}`);
      if (Date.now() > deadline) {
        throw new Error(`the answer did not finish; seen: ${JSON.stringify(seen)}`);
      }
      await sleep(20);
    }
  }

  it("streams: a typed prompt's answer grows in steps to the model's full answer", async () => {
    const bedrock = stack!.bedrock!;
    const modelBefore = bedrock.requests.length;
    const answer = await ask("Hello from a real browser");
    const seen = await sampleUntilDone(answer, 1);

    const [request] = (await bedrock.waitForRequests(modelBefore + 1)).slice(modelBefore);
    assert.equal(request.prompt, "Hello from a real browser");
    assert.equal(await request.settled, "completed");
    const full = expectedAnswer(request);
    assert.match(full, /You said: "Hello from a real browser"/);

    const shown = seen.filter((text) => text !== "");
    assertGrowing(shown);
    assert.equal(shown.at(-1), full, `final text; seen: ${JSON.stringify(seen)}`);
    assert.ok(
      shown.length - 1 >= 3,
      `expected at least 3 partial texts before the final one; seen: ${JSON.stringify(seen)}`,
    );
    assert.ok((await sessionText()).startsWith("session "), "no session id shown");
    assert.ok(await page.locator("#send").isEnabled(), "Send is still disabled");
    assert.ok(await page.locator("#stop").isDisabled(), "Stop is still enabled");

    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(statSync(SCREENSHOT).size > 0, "empty screenshot");
    const png = readFileSync(SCREENSHOT);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it("a follow-up turn reuses the session: the model gets the first turn too", async () => {
    const bedrock = stack!.bedrock!;
    const shownSession = await sessionText();
    const sessionId = shownSession.replace(/^session /, "");
    assert.ok(sessionId !== "" && sessionId !== shownSession, `no session id: ${shownSession}`);
    const modelBefore = bedrock.requests.length;
    const invokesBefore = stack!.agentcore.requests.filter(
      (r) => r.operation === "InvokeAgentRuntime",
    ).length;

    const sent = page.waitForRequest((r) => r.url().endsWith("/invoke") && r.method() === "POST");
    const answer = await ask("And a follow-up question", "ctrl+enter");
    assert.deepEqual((await sent).postDataJSON(), {
      prompt: "And a follow-up question",
      sessionId,
    });
    const seen = await sampleUntilDone(answer, 2);

    const [request] = (await bedrock.waitForRequests(modelBefore + 1)).slice(modelBefore);
    assert.equal(seen.at(-1), expectedAnswer(request));
    assert.equal(await sessionText(), shownSession, "the session id changed");

    // The agent kept the conversation: turn 1 (prompt and answer), then the follow-up.
    const texts = request.messages.map(
      (m) => `${m.role}: ${m.content.map((c) => c.text ?? "").join("")}`,
    );
    assert.equal(request.messages.length, 3, JSON.stringify(texts));
    assert.equal(texts[0], "user: Hello from a real browser");
    assert.match(texts[1], /^assistant: .*You said: "Hello from a real browser"/);
    assert.equal(texts[2], "user: And a follow-up question");

    // Both turns reached AgentCore with one runtime session id.
    const invokes = stack!.agentcore.requests.filter((r) => r.operation === "InvokeAgentRuntime");
    assert.equal(invokes.length, invokesBefore + 1);
    const [a, b] = invokes.slice(-2);
    assert.ok(a.sessionId, "no runtime session id");
    assert.equal(b.sessionId, a.sessionId);
  });

  it("Stop: cancels the answer up to the model, keeps the partial answer, and the session goes on", async () => {
    const bedrock = stack!.bedrock!;
    const modelBefore = bedrock.requests.length;
    const invocationsBefore = stack!.invocations.length;
    const doneBefore = await finished().count();
    const answer = await ask("Please let me stop you midway");
    await answer.filter({ hasText: /\S/ }).waitFor();
    const cancelSent = page.waitForRequest(
      (r) => r.method() === "POST" && /\/sessions\/[0-9a-f]{40}\/cancel$/.test(r.url()),
    );
    const stoppedAt = Date.now();
    await page.locator("#stop").click();
    await cancelSent;
    await page.locator("#log > .meta", { hasText: /^stopped \(/ }).waitFor();
    // The stream has ended: nothing more can arrive.
    await page.locator("#send:enabled").waitFor();
    const shown = (await answer.textContent()) ?? "";
    assert.ok(await answer.evaluate((el) => el.classList.contains("stopped")), "not marked");

    // The model's stream was reset, and the proxy's invocation ended, within a second.
    const [request] = (await bedrock.waitForRequests(modelBefore + 1)).slice(modelBefore);
    assert.equal(await request.settled, "aborted");
    assert.ok(request.closedAt! - stoppedAt < 1_000, `reset ${request.closedAt! - stoppedAt} ms`);
    const turn = stack!.invocations
      .slice(invocationsBefore)
      .find((i) => i.method === "POST" && i.path.endsWith("/invoke"))!;
    const ended = await turn.ended;
    assert.ok(ended.endedAt - stoppedAt < 1_000, `ended ${ended.endedAt - stoppedAt} ms`);

    const full = expectedAnswer(request);
    assert.ok(
      shown !== "" && shown.length < full.length && full.startsWith(shown),
      `expected a strict prefix of the answer: ${JSON.stringify(shown)}`,
    );
    assert.equal(await finished().count(), doneBefore, "the stopped turn shows done");
    assert.ok(await page.locator("#stop").isDisabled(), "Stop is still enabled");

    // A follow-up in the same session is answered, and the model sees what was shown.
    const next = await ask("Never mind, something else");
    await sampleUntilDone(next, doneBefore + 1);
    const [followUp] = (await bedrock.waitForRequests(modelBefore + 2)).slice(modelBefore + 1);
    const texts = followUp.messages.map(
      (m) => `${m.role}: ${m.content.map((c) => c.text ?? "").join("")}`,
    );
    assert.deepEqual(texts.slice(-3), [
      "user: Please let me stop you midway",
      `assistant: ${shown}`,
      "user: Never mind, something else",
    ]);
  });

  it("Stop before the question reaches the agent: tried again, then said so; a second Stop stops the answer", async () => {
    const bedrock = stack!.bedrock!;
    const modelBefore = bedrock.requests.length;
    const doneBefore = await finished().count();
    const stopped = page.locator("#log > .meta", { hasText: /^stopped \(/ });
    const stoppedBefore = await stopped.count();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    // The question waits in the browser, so every cancel of the first Stop overtakes it, as a
    // cancel can overtake its question through API Gateway, Lambda and AgentCore.
    const invoke = /\/invoke$/;
    await page.route(invoke, async (route) => {
      await held;
      await route.continue();
    });
    const cancelAnswers: Promise<unknown>[] = [];
    const recordCancel = (response: Response) => {
      if (/\/cancel$/.test(response.url())) cancelAnswers.push(response.json());
    };
    page.on("response", recordCancel);
    try {
      const answer = await ask("Stop me before I begin");
      await page.locator("#stop").click();
      await page.locator("#log > .meta", { hasText: "Stop found no answer running yet" }).waitFor();
      assert.ok(await page.locator("#stop").isEnabled(), "Stop is not enabled again");
      // The page read each answer before it wrote the message, so all five are recorded.
      assert.deepEqual(await Promise.all(cancelAnswers), Array(5).fill({ cancelled: false }));
      page.off("response", recordCancel);
      assert.equal(bedrock.requests.length, modelBefore, "the model was asked while held");

      release();
      await answer.filter({ hasText: /\S/ }).waitFor();
      // The cancel answers once the answer has ended, so its response may come after `done`.
      const secondCancel = page.waitForResponse((response) => /\/cancel$/.test(response.url()));
      await page.locator("#stop").click();
      assert.deepEqual(await (await secondCancel).json(), { cancelled: true });
      await stopped.nth(stoppedBefore).waitFor();
      await page.locator("#send:enabled").waitFor();
      assert.ok(await answer.evaluate((el) => el.classList.contains("stopped")), "not marked");
      assert.equal(await finished().count(), doneBefore, "the stopped turn shows done");
      const [request] = (await bedrock.waitForRequests(modelBefore + 1)).slice(modelBefore);
      assert.equal(await request.settled, "aborted");
    } finally {
      release();
      page.off("response", recordCancel);
      await page.unroute(invoke);
    }
  });

  it("a wrong API key in the settings shows the gateway's 403", async () => {
    const bedrock = stack!.bedrock!;
    const modelBefore = bedrock.requests.length;
    await page.locator("summary", { hasText: "Settings" }).click();
    await page.locator("#apiKey").fill("not-the-key");
    try {
      await ask("Will this get through?");
      await page.locator("#log > .error").last().waitFor();
      assert.equal(await page.locator("#log > .error").last().textContent(), "HTTP 403: Forbidden");
      assert.equal(bedrock.requests.length, modelBefore, "the model was called");
    } finally {
      await page.locator("#apiKey").fill(stack!.apiKey);
      await page.locator("summary", { hasText: "Settings" }).click();
    }
  });

  // Last: it kills the agent (then restarts it).
  it("an agent crash mid-answer shows the stream's error event", async () => {
    const errorsBefore = await page.locator("#log > .error").count();
    const answer = await ask("Crash while you answer me");
    await answer.filter({ hasText: /\S/ }).waitFor();
    await stack!.killAgent();
    try {
      const error = page.locator("#log > .error").nth(errorsBefore);
      await error.waitFor();
      // The proxy's own event for an answer that broke off, as the page shows it.
      assert.match(
        (await error.textContent()) ?? "",
        /^error \(upstream\): The answer was cut off\. \[[\w-]+\]$/,
      );
      // The error event comes first, the end of the stream after it: the page is ready again
      // once the stream has ended (this waits for that; it fails only if it never happens).
      await page.locator("#send:enabled").waitFor({ timeout: WAIT_MS });
    } finally {
      await stack!.restartAgent();
    }
  });
});
