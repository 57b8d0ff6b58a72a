// Configuration: unit tests of the parser (from source), and the built bundle refusing to start.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, DEFAULTS, loadConfig } from "../src/config.js";
import { agentEnv, runUntilExit } from "./support/agent-process.js";

/** The prompt shipped in the image's prompts/ folder (agent/prompts/ in the repository). */
const SHIPPED_PROMPT = fileURLToPath(new URL("../prompts/support.md", import.meta.url));

/** A file in a fresh temporary directory. */
function tempFile(name: string, content: string | Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), "agent-prompt-")), name);
  writeFileSync(file, content);
  return file;
}

const BASE = { MODEL_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0", AWS_REGION: "us-east-1" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("configuration", function () {
  it("applies the documented defaults", function () {
    assert.deepEqual(loadConfig(BASE), {
      modelId: BASE.MODEL_ID,
      modelRegion: "us-east-1",
      maxTokens: DEFAULTS.maxTokens,
      temperature: DEFAULTS.temperature,
      systemPrompt: undefined,
      guardrail: undefined,
      maxSessions: DEFAULTS.maxSessions,
      port: DEFAULTS.port,
    });
    assert.deepEqual(DEFAULTS, { maxTokens: 4096, temperature: 0.7, maxSessions: 100, port: 8080 });
  });

  it("reads every variable", function () {
    const config = loadConfig({
      ...BASE,
      MODEL_REGION: "eu-central-1",
      MAX_TOKENS: "1000",
      TEMPERATURE: "0",
      SYSTEM_PROMPT: "  Be kind.\n",
      GUARDRAIL_ID: "abc123",
      GUARDRAIL_VERSION: "DRAFT",
      MAX_SESSIONS: "5",
      PORT: "9000",
    });
    assert.equal(config.modelRegion, "eu-central-1");
    assert.equal(config.maxTokens, 1000);
    assert.equal(config.temperature, 0);
    assert.equal(config.systemPrompt, "  Be kind.\n");
    assert.deepEqual(config.guardrail, { id: "abc123", version: "DRAFT" });
    assert.equal(config.maxSessions, 5);
    assert.equal(config.port, 9000);
  });

  it("treats empty variables as unset", function () {
    const config = loadConfig({
      ...BASE,
      SYSTEM_PROMPT: "",
      GUARDRAIL_ID: "",
      GUARDRAIL_VERSION: "",
      MAX_TOKENS: "",
    });
    assert.equal(config.systemPrompt, undefined);
    assert.equal(config.guardrail, undefined);
    assert.equal(config.maxTokens, 4096);
  });

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [{ AWS_REGION: "us-east-1" }, /^MODEL_ID is required/],
    [{ ...BASE, MODEL_ID: "has spaces" }, /^MODEL_ID must be/],
    [{ MODEL_ID: BASE.MODEL_ID }, /^MODEL_REGION is required when AWS_REGION is not set/],
    [{ ...BASE, MODEL_REGION: "Mars" }, /^MODEL_REGION must be an AWS region/],
    [{ ...BASE, MAX_TOKENS: "many" }, /^MAX_TOKENS must be a whole number/],
    [{ ...BASE, MAX_TOKENS: "0" }, /^MAX_TOKENS must be a whole number/],
    [{ ...BASE, MAX_TOKENS: "12.5" }, /^MAX_TOKENS must be a whole number/],
    [{ ...BASE, TEMPERATURE: "1.5" }, /^TEMPERATURE must be a number from 0 to 1/],
    [{ ...BASE, TEMPERATURE: "-0.1" }, /^TEMPERATURE must be a number from 0 to 1/],
    [{ ...BASE, TEMPERATURE: "warm" }, /^TEMPERATURE must be a number from 0 to 1/],
    [
      { ...BASE, GUARDRAIL_ID: "abc123" },
      /^GUARDRAIL_VERSION is required when GUARDRAIL_ID is set/,
    ],
    [
      { ...BASE, GUARDRAIL_VERSION: "1" },
      /^GUARDRAIL_ID is required when GUARDRAIL_VERSION is set/,
    ],
    [
      { ...BASE, GUARDRAIL_ID: "abc123", GUARDRAIL_VERSION: "latest" },
      /^GUARDRAIL_VERSION must be DRAFT or a version number/,
    ],
    [{ ...BASE, MAX_SESSIONS: "0" }, /^MAX_SESSIONS must be a whole number/],
    [{ ...BASE, PORT: "70000" }, /^PORT must be a whole number/],
  ];
  for (const [env, expected] of invalid) {
    it(`rejects ${JSON.stringify(env).slice(0, 90)}`, function () {
      const found = problems(env);
      assert.equal(found.length, 1, found.join("; "));
      assert.match(found[0]!, expected);
    });
  }

  describe("system prompt file", function () {
    it("reads the whole file verbatim, longer than an environment variable may be", function () {
      const prompt = `# Rules\n\n${"Answer in full sentences, ünïcödé included. ".repeat(300)}\n`;
      assert.ok(prompt.length > 5000);
      const file = tempFile("long.md", prompt);
      assert.equal(loadConfig({ ...BASE, SYSTEM_PROMPT_FILE: file }).systemPrompt, prompt);
    });

    it("resolves a relative path against the working directory, as the image's prompts/ is", function () {
      const relativePath = relative(process.cwd(), SHIPPED_PROMPT);
      assert.ok(!relativePath.startsWith("/"));
      assert.equal(
        loadConfig({ ...BASE, SYSTEM_PROMPT_FILE: relativePath }).systemPrompt,
        readFileSync(SHIPPED_PROMPT, "utf8"),
      );
    });

    const invalid: Array<[string, () => Record<string, string>, RegExp]> = [
      [
        "a missing file",
        () => ({ ...BASE, SYSTEM_PROMPT_FILE: "prompts/missing.md" }),
        /^SYSTEM_PROMPT_FILE "prompts\/missing\.md" cannot be read \(ENOENT: \/.*prompts\/missing\.md\)$/,
      ],
      [
        "an empty file",
        () => ({ ...BASE, SYSTEM_PROMPT_FILE: tempFile("empty.md", "\n  \n") }),
        /^SYSTEM_PROMPT_FILE ".*empty\.md" is empty/,
      ],
      [
        "a file that is not UTF-8",
        () => ({ ...BASE, SYSTEM_PROMPT_FILE: tempFile("latin1.md", Buffer.from([0x63, 0xe9])) }),
        /^SYSTEM_PROMPT_FILE ".*latin1\.md" is not UTF-8 text/,
      ],
      [
        "a directory",
        () => ({ ...BASE, SYSTEM_PROMPT_FILE: tmpdir() }),
        /^SYSTEM_PROMPT_FILE ".*" cannot be read \(EISDIR/,
      ],
      [
        "an inline prompt as well",
        () => ({ ...BASE, SYSTEM_PROMPT: "Be kind.", SYSTEM_PROMPT_FILE: SHIPPED_PROMPT }),
        /^SYSTEM_PROMPT and SYSTEM_PROMPT_FILE are both set/,
      ],
    ];
    for (const [what, env, expected] of invalid) {
      it(`rejects ${what}`, function () {
        const found = problems(env());
        assert.equal(found.length, 1, found.join("; "));
        assert.match(found[0]!, expected);
      });
    }

    it("stops the built agent at start when the file is missing", async function () {
      const env = agentEnv("http://127.0.0.1:9", { SYSTEM_PROMPT_FILE: "prompts/not-shipped.md" });
      const { code, output } = await runUntilExit(env);
      assert.equal(code, 1);
      assert.match(output, /SYSTEM_PROMPT_FILE "prompts\/not-shipped\.md" cannot be read \(ENOENT/);
      assert.doesNotMatch(output, /at .*\.mjs:\d+/, "a configuration error is not a crash");
    });
  });

  it("reports every problem at once", function () {
    assert.equal(problems({ MAX_TOKENS: "x", TEMPERATURE: "x" }).length, 4);
  });

  it("stops the built agent at start with a message naming each bad variable", async function () {
    const env = agentEnv("http://127.0.0.1:9", { MAX_TOKENS: "lots", TEMPERATURE: "3" });
    delete env.MODEL_ID;
    const { code, output } = await runUntilExit(env);
    assert.equal(code, 1);
    assert.match(output, /MODEL_ID is required/);
    assert.match(output, /MAX_TOKENS must be a whole number from 1 to 1000000 \(got "lots"\)/);
    assert.match(output, /TEMPERATURE must be a number from 0 to 1 \(got "3"\)/);
    assert.doesNotMatch(
      output,
      /at .*\.mjs:\d+/,
      "a configuration error is not a crash: no stack trace",
    );
  });
});
