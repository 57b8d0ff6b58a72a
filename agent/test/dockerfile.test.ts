// The Dockerfile cannot be built here (no Docker engine), so its contract is checked as text:
// linux/arm64, Node.js 24 without npm, non-root, nothing but the build's output, the code cache
// written by the image's own Node.js with the flags it runs with, the AgentCore port.
// entry.test.ts runs the same build and cache steps on this machine.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NODE_FLAGS } from "../src/boot/files.js";

const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
const dockerignore = readFileSync(new URL("../.dockerignore", import.meta.url), "utf8");

/** Instructions (comments and blank lines dropped), grouped by stage. */
function stages(): string[][] {
  const result: string[][] = [];
  for (const line of dockerfile.split("\n").map((text) => text.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("FROM ")) result.push([]);
    result.at(-1)?.push(line);
  }
  return result;
}

/** The JSON array of an exec-form instruction, e.g. `CMD ["main.cjs"]`. */
function execForm(stage: string[], instruction: string): string[] {
  const lines = stage.filter((line) => line.startsWith(`${instruction} `));
  assert.equal(lines.length, 1, `one ${instruction}`);
  return JSON.parse(lines[0]!.slice(instruction.length + 1)) as string[];
}

describe("Dockerfile", function () {
  const [build, runtime, ...extra] = stages();

  it("has a build stage on the builder's platform and one runtime stage", function () {
    assert.equal(extra.length, 0);
    assert.match(build![0]!, /^FROM --platform=\$BUILDPLATFORM node:24[-\w.]*slim AS build$/);
    assert.ok(build!.includes("RUN npm ci --ignore-scripts --no-audit --no-fund"));
    assert.ok(build!.includes("RUN node build.ts"));
  });

  it("runs Node.js 24 on linux/arm64 from a base image without npm or a shell", function () {
    assert.equal(runtime![0], "FROM --platform=linux/arm64 gcr.io/distroless/nodejs24-debian12");
  });

  it("copies nothing into the image but the build's output, read-only, and the prompt files", function () {
    const copies = runtime!.filter((line) => line.startsWith("COPY ") || line.startsWith("ADD "));
    assert.deepEqual(copies, [
      "COPY --from=build --chown=root:root --chmod=444 /build/dist/ ./",
      // SYSTEM_PROMPT_FILE=prompts/<name>.md is relative to the working directory.
      "COPY --chown=root:root prompts ./prompts",
    ]);
    assert.ok(runtime!.includes("WORKDIR /app"));
  });

  it("writes the code cache as root, after the copy, with the node and flags it runs with", function () {
    const runs = runtime!.filter((line) => line.startsWith("RUN "));
    assert.equal(runs.length, 1, "one RUN in the runtime stage");
    const run = execForm(runtime!, "RUN");
    const [node, ...args] = [...execForm(runtime!, "ENTRYPOINT"), ...execForm(runtime!, "CMD")];
    // V8 refuses a cache made by another binary or with other flags: same argv, plus the flag.
    assert.deepEqual(run, [node, ...args, "--write-code-cache"]);
    const at = (prefix: string) => runtime!.findIndex((line) => line.startsWith(prefix));
    assert.ok(at("COPY ") < at("RUN ") && at("RUN ") < at("USER "), "COPY, then RUN, then USER");
  });

  it("runs as a non-root user, on port 8080, with node as PID 1", function () {
    const user = runtime!.find((line) => line.startsWith("USER "));
    assert.ok(user, "a USER instruction");
    assert.doesNotMatch(user, /^USER (root|0)(:|$)/);
    assert.ok(runtime!.includes("EXPOSE 8080"));
    assert.deepEqual(execForm(runtime!, "ENTRYPOINT"), ["/nodejs/bin/node", ...NODE_FLAGS]);
    assert.deepEqual(execForm(runtime!, "CMD"), ["main.cjs"]);
    assert.equal(runtime!.at(-1), 'CMD ["main.cjs"]');
  });

  it("keeps node_modules, dist and tests out of the build context, and the prompts in", function () {
    const ignored = dockerignore.split("\n").map((line) => line.trim());
    for (const entry of ["node_modules", "dist", "test"]) assert.ok(ignored.includes(entry), entry);
    // `*.md` keeps README.md out; the exception after it keeps the prompts in.
    assert.ok(ignored.indexOf("!prompts/*.md") > ignored.indexOf("*.md"));
  });
});
