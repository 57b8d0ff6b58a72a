import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Part of the root postinstall: installs local/ric (the genuine Lambda runtime interface client,
 * `aws-lambda-ric`, whose install compiles curl, aws-lambda-cpp and a Node addon from source).
 *
 * Why a package of its own, installed from here: aws-lambda-ric declares `engines: node >=22`,
 * and `npm ci` run by a machine's Node.js 20 silently skips an optional dependency whose engines
 * do not match. Here npm runs under the Node.js of this process (24, from the `node`
 * devDependency), and a failed build is reported instead of skipped.
 *
 * A build that fails (no cmake or autotools on this machine) does not fail `npm ci` on a laptop:
 * the local stack then runs the proxy in its in-process host and says so. With `CI` set it does,
 * since CI must run the tests that need the genuine client (.ci/run installs the build tools).
 */

const RIC_PACKAGE = path.join(__dirname, "ric");
const LOG = path.join(RIC_PACKAGE, "install.log");

const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
  cwd: RIC_PACKAGE,
  encoding: "utf8",
  env: {
    ...process.env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
  },
});
writeFileSync(LOG, `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}`);

if (result.status === 0) {
  console.log(
    `aws-lambda-ric built for the local stack (log: ${path.relative(process.cwd(), LOG)})`,
  );
} else {
  console.warn(
    [
      `aws-lambda-ric could not be built (log: ${path.relative(process.cwd(), LOG)}).`,
      "It needs Debian's autoconf, automake, libtool and cmake (apt-get install autoconf automake libtool cmake).",
      "Without it, `npm run dev` runs the proxy in its in-process Lambda host, and the tests that need it skip.",
    ].join("\n"),
  );
  if (process.env.CI) process.exit(1);
}
