// The image's entry file, built and cached the way the Dockerfile does it (`node build.ts`, then
// `node main.cjs --write-code-cache`), then started the way the image starts it (`node main.cjs`).
// Nothing here is timed: how fast it starts is `npm run bench`'s answer.
import assert from "node:assert/strict";
import { isAscii } from "node:buffer";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBundle } from "../src/boot/code-cache.js";
import { agentEnv, freePort, runUntilExit, startAgent } from "./support/agent-process.js";
import {
  BedrockStandin,
  httpErrorAnswer,
  textAnswer,
  type Answer,
} from "./support/bedrock-standin.js";
import { invoke } from "./support/sse-client.js";

const AGENT_DIR = fileURLToPath(new URL("..", import.meta.url));
const CACHE_FILE = /^agent\.cjs\.[0-9a-f]{8}\.cache$/;
const REJECTED = /V8 rejected the code cache/;

describe("the image's entry file", function () {
  this.timeout(120_000);
  let dir: string;
  let entry: string;
  let standin: BedrockStandin;

  /** The Dockerfile's RUN step: no model settings at all, only a port (or the `env` given). */
  async function writeCodeCache(
    step = "--write-code-cache",
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; output: string; stdout: string }> {
    const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: String(await freePort()) };
    return runUntilExit({ ...base, ...env }, 120_000, entry, [step]);
  }

  const caches = () => readdirSync(dir).filter((name) => CACHE_FILE.test(name));

  /**
   * Starts the built entry, asks it one question that the model stand-in answers with `answer`,
   * checks the last event, stops it, and returns everything it wrote.
   */
  async function answerOnce(answer: Answer, lastEvent: "done" | "error"): Promise<string> {
    const agent = await startAgent(agentEnv(standin.endpoint), entry);
    try {
      standin.enqueue(answer);
      const stream = await invoke(agent.baseUrl, { prompt: "Hi" }, { sessionId: randomUUID() });
      const events = await stream.rest();
      assert.equal(events.at(-1)?.event, lastEvent, JSON.stringify(events));
    } finally {
      await agent.stop();
    }
    return agent.output();
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "agent-entry-"));
    entry = path.join(dir, "main.cjs");
    const build = spawnSync(process.execPath, ["build.ts", dir], {
      cwd: AGENT_DIR,
      encoding: "utf8",
    });
    assert.equal(build.status, 0, build.stderr);
    standin = await BedrockStandin.start();
  });

  after(async function () {
    await standin?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("is built beside the bundle, its map and its licence notices, and nothing else (what the image copies)", function () {
    assert.deepEqual(readdirSync(dir).sort(), [
      "agent.cjs",
      "agent.cjs.LEGAL.txt",
      "agent.cjs.map",
      "main.cjs",
      "warm-up.mjs",
    ]);
    // ASCII only, so the entry reads it one byte per character (code-cache.ts).
    assert.ok(isAscii(readFileSync(path.join(dir, "agent.cjs"))));
  });

  it("writes the code cache, read-only, and starts from it with V8 accepting it", async function () {
    const warm = await writeCodeCache();
    assert.equal(warm.code, 0, warm.output);
    assert.equal(caches().length, 1, readdirSync(dir).join(", "));
    assert.equal(statSync(path.join(dir, caches()[0]!)).mode & 0o222, 0, "no write permission");

    // Found and accepted by this process's V8 (the same Node.js, the same V8 flags).
    assert.equal(loadBundle(path.join(dir, "agent.cjs")).cacheUsed, true);
    const agent = await startAgent(agentEnv(standin.endpoint), entry);
    assert.equal(await agent.stop(), 0);
    assert.doesNotMatch(agent.output(), REJECTED);
  });

  it("writes the cache after one answer from a model of its own, never the environment's", async function () {
    // As if the build's environment pointed at a model with credentials: the warm-up must ignore
    // both, and reach only the model it runs in its own process.
    const leaked = {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: standin.endpoint,
      AWS_ACCESS_KEY_ID: "AKIDFROMTHEBUILDENV0",
      AWS_SECRET_ACCESS_KEY: "secret-from-the-build-environment",
      AWS_SESSION_TOKEN: "token-from-the-build-environment",
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      MODEL_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      AWS_REGION: "eu-west-1",
    };
    standin.reset();
    const atPing = await writeCodeCache("--write-code-cache=ping", leaked);
    assert.equal(atPing.code, 0, atPing.output);
    assert.match(atPing.stdout, /bytes\) after \/ping$/m);
    const pingCacheBytes = statSync(path.join(dir, caches()[0]!)).size;

    const afterAnswer = await writeCodeCache("--write-code-cache", leaked);
    assert.equal(afterAnswer.code, 0, afterAnswer.output);
    assert.match(afterAnswer.stdout, /bytes\) after \/ping and one answer$/m);
    assert.equal(standin.requests.length, 0, "the environment's model was asked");
    // One cache, replaced, now also holding the code of the answer (the agent of a new session,
    // the signed ConverseStream request, the event stream's decoding).
    assert.equal(caches().length, 1);
    assert.ok(
      statSync(path.join(dir, caches()[0]!)).size > pingCacheBytes,
      "the cache written after an answer holds more than the one written at /ping",
    );
    assert.equal(loadBundle(path.join(dir, "agent.cjs")).cacheUsed, true);
  });

  it("still starts, and says why it is slower, when V8 refuses the cache (other flags)", async function () {
    assert.equal(caches().length, 1);
    // Heap sizes leave V8's flag hash alone; the stack trace limit is part of it.
    const env = { ...agentEnv(standin.endpoint), NODE_OPTIONS: "--stack-trace-limit=20" };
    const agent = await startAgent(env, entry);
    assert.equal(await agent.stop(), 0);
    assert.match(agent.output(), REJECTED);
  });

  it("never runs a cache made from other bytes of the same length", async function () {
    // V8 checks a cache's source by its length only: a same-length edit with the old cache in
    // place would run the old code. The entry must not find that cache at all.
    assert.equal(caches().length, 1);
    const bundle = path.join(dir, "agent.cjs");
    const original = readFileSync(bundle, "utf8");
    const edited = original.replace("MODEL_ID is required", "MODEL_ID IS REQUIRED");
    assert.notEqual(edited, original);
    assert.equal(edited.length, original.length);
    writeFileSync(bundle, edited);
    try {
      const env = agentEnv(standin.endpoint);
      delete env.MODEL_ID;
      const { code, output } = await runUntilExit(env, 20_000, entry);
      assert.equal(code, 1);
      assert.match(output, /MODEL_ID IS REQUIRED/);
    } finally {
      writeFileSync(bundle, original);
    }
  });

  it("starts and answers without a Node.js warning in its output", async function () {
    // A warning in the runtime's logs at every new session is noise nobody can act on: a new one
    // (an upgrade's deprecation, say) is fixed or silenced by name in NODE_FLAGS, never let through.
    const output = await answerOnce(textAnswer("Hello."), "done");
    assert.doesNotMatch(output, /^\(node:\d+\) /m);
  });

  it("names the TypeScript sources, not the bundle, in the stack traces it logs", async function () {
    const output = await answerOnce(httpErrorAnswer("ValidationException"), "error");
    const logged = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; err?: { stack?: string } })
      .find((line) => line.msg === "invocation failed");
    const stack = logged?.err?.stack ?? "";
    const frames = stack.split("\n").filter((line) => line.trimStart().startsWith("at "));
    assert.ok(frames.length > 0, output);
    assert.ok(
      // Strands' own maps lead esbuild's back to its TypeScript sources.
      frames.some((frame) => /\/@strands-agents\/sdk\/src\/.+\.ts:\d+:\d+\)$/.test(frame)),
      stack,
    );
    assert.ok(!frames.some((frame) => frame.includes("agent.cjs:")), stack);
  });
});
