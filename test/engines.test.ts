import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { REPO_ROOT } from "./support/stack-config";

/**
 * `engines.node` of each package (root, policy/, agent/) is honest: every Node.js version it
 * admits satisfies every locked dependency's own `engines.node`, so a dependency update that
 * raises the floor fails here instead of on a user's machine. The root and the policy pack run
 * on the Node.js on the user's PATH under the Pulumi CLI; npm scripts run on the `node`
 * devDependency, which must be admitted too.
 */

interface PackageFile {
  engines?: { node?: string };
  devDependencies?: Record<string, string>;
}
interface LockFile {
  packages: Record<string, { version?: string; engines?: unknown }>;
}

const read = <T>(file: string): T =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as T;

describe("engines", () => {
  for (const dir of [".", "policy", "agent"]) {
    describe(dir === "." ? "the root package" : `${dir}/`, () => {
      const pkg = read<PackageFile>(path.join(dir, "package.json"));
      const lock = read<LockFile>(path.join(dir, "package-lock.json"));
      const own = pkg.engines?.node ?? "";

      it("declares a valid engines.node, the same in the lockfile", () => {
        assert.ok(semver.validRange(own), `${dir}/package.json engines.node "${own}"`);
        assert.deepEqual(lock.packages[""]?.engines, { node: own });
      });

      it("admits only Node.js versions every locked dependency supports", () => {
        const narrower: string[] = [];
        for (const [name, entry] of Object.entries(lock.packages)) {
          const engines = entry.engines as { node?: unknown } | undefined;
          if (name === "" || typeof engines?.node !== "string") continue;
          if (!semver.subset(own, engines.node)) narrower.push(`${name} needs "${engines.node}"`);
        }
        assert.deepEqual(narrower, [], `engines.node "${own}" of ${dir} admits too much`);
      });

      // Where the `node` devDependency brings the Node.js that npm scripts run on, it is admitted too.
      const node = lock.packages["node_modules/node"]?.version;
      if (pkg.devDependencies?.node !== undefined) {
        it("admits the Node.js its npm scripts run on", () => {
          assert.ok(node, "the node devDependency is not in the lockfile");
          assert.ok(
            semver.satisfies(node, own),
            `the node devDependency ${node} is outside ${own}`,
          );
        });
      }
    });
  }
});
