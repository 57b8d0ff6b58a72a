// A system prompt from a file (SYSTEM_PROMPT_FILE): the built agent reads it at start and sends it,
// whole, as the system prompt of every model call, as the ConverseStream stand-in receives it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { agentEnv, startAgent, type AgentProcess } from "./support/agent-process.js";
import { printOutputTail } from "./support/agent-with-model.js";
import { BedrockStandin, textAnswer } from "./support/bedrock-standin.js";
import { invoke } from "./support/sse-client.js";

/** Longer than the 5000 characters AgentCore allows an environment variable, with unicode. */
const PROMPT = [
  "# Support rules",
  "",
  ...Array.from(
    { length: 120 },
    (_, i) => `${i + 1}. Answer plainly; naïve café ✓ — rule ${i + 1}.`,
  ),
  "",
].join("\n");

async function systemPromptOfOneAnswer(agent: AgentProcess, standin: BedrockStandin) {
  standin.enqueue(textAnswer("Noted."));
  const stream = await invoke(
    agent.baseUrl,
    { prompt: "Hello" },
    { sessionId: `prompt-file-${randomUUID()}` },
  );
  const events = await stream.rest();
  assert.equal(events.at(-1)?.event, "done", JSON.stringify(events));
  const [request] = await standin.waitForRequests(1);
  standin.reset();
  return request!.body.system;
}

describe("system prompt from a file (built bundle against the ConverseStream stand-in)", function () {
  let standin: BedrockStandin;
  let agent: AgentProcess | undefined;
  let dir: string;

  before(async function () {
    standin = await BedrockStandin.start();
    dir = mkdtempSync(join(tmpdir(), "agent-prompts-"));
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && agent) {
      printOutputTail(agent);
    }
    await agent?.stop();
    agent = undefined;
    standin.reset();
  });

  after(async function () {
    await standin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the whole file as the system prompt", async function () {
    assert.ok(PROMPT.length > 5000);
    const file = join(dir, "long.md");
    writeFileSync(file, PROMPT);
    agent = await startAgent(agentEnv(standin.endpoint, { SYSTEM_PROMPT_FILE: file }));
    assert.deepEqual(await systemPromptOfOneAnswer(agent, standin), [{ text: PROMPT }]);
  });

  it("reads the file once, at start: later changes reach no model call", async function () {
    const file = join(dir, "once.md");
    writeFileSync(file, PROMPT);
    agent = await startAgent(agentEnv(standin.endpoint, { SYSTEM_PROMPT_FILE: file }));
    writeFileSync(file, "A different prompt, written after the agent started.");
    assert.deepEqual(await systemPromptOfOneAnswer(agent, standin), [{ text: PROMPT }]);
    rmSync(file);
    assert.deepEqual(await systemPromptOfOneAnswer(agent, standin), [{ text: PROMPT }]);
  });

  it("sends the prompt shipped in prompts/, named relative to the working directory", async function () {
    const shipped = fileURLToPath(new URL("../prompts/support.md", import.meta.url));
    agent = await startAgent(
      agentEnv(standin.endpoint, { SYSTEM_PROMPT_FILE: relative(process.cwd(), shipped) }),
    );
    assert.deepEqual(await systemPromptOfOneAnswer(agent, standin), [
      { text: readFileSync(shipped, "utf8") },
    ]);
  });
});
