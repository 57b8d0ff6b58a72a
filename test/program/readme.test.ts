import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { runProgramFull, type ProgramRun } from "../support/run-program";
import { REPO_ROOT } from "../support/stack-config";

/**
 * What the README says about the program, checked against the program: the resource and component
 * counts of the dev stack, the stack outputs, and how components are laid out in files.
 */

const README = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

/** The text of the README from `start` to the next blank line (a paragraph or a table). */
function block(start: RegExp): string {
  const at = README.search(start);
  assert.ok(at !== -1, `README.md has no text matching ${start}`);
  const end = README.indexOf("\n\n", at);
  return README.slice(at, end === -1 ? undefined : end);
}

describe("the README's claims about the program", function () {
  this.timeout(120000);
  let dev: ProgramRun;
  before(async () => {
    dev = await runProgramFull({ stack: "dev" });
  });

  it("counts the dev stack's resources and components as the program declares them", () => {
    const sentence = block(/With `Pulumi\.dev\.yaml` the program declares/).replace(/\s+/g, " ");
    const claim =
      /declares (\d+) AWS resources in (\d+) components, (\d+) of them this repository's/.exec(
        sentence,
      );
    assert.ok(claim, `the README's count no longer reads as the test expects: ${sentence}`);
    const components = dev.resources.filter((r) => !r.custom);
    const ours = components.filter((r) => r.type.startsWith("agentcore-stream:index:"));
    const actual = [dev.resources.length - components.length, components.length, ours.length];
    assert.deepEqual(
      claim.slice(1).map(Number),
      actual,
      `README.md says ${claim[0]}; write "declares ${actual[0]} AWS resources in ${actual[1]} components, ${actual[2]} of them this repository's"`,
    );
  });

  it("lists every stack output, and nothing else", () => {
    const table = block(/\| output +\| what it holds/);
    const listed = table
      .split("\n")
      .slice(2)
      .flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]));
    assert.deepEqual([...listed].sort(), [...dev.exportNames].sort());
  });

  it("has one component per file in components/, named after its file", () => {
    const dir = path.join(REPO_ROOT, "components");
    const found: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(path.join(dir, file), "utf8");
      const types = [...source.matchAll(/super\("agentcore-stream:index:(\w+)"/g)].map((m) => m[1]);
      if (types.length === 0) continue;
      const expected = file.charAt(0).toUpperCase() + file.slice(1, -".ts".length);
      assert.deepEqual(types, [expected], `components/${file} registers ${types.join(", ")}`);
      found.push(expected);
    }
    // Every component the dev stack registers lives in such a file.
    assert.ok(found.includes("StreamingApi"), "the README's example file is gone");
    for (const r of dev.resources.filter((x) => x.type.startsWith("agentcore-stream:index:"))) {
      assert.ok(found.includes(r.type.split(":")[2]), `${r.type} has no file of its own`);
    }
  });
});
