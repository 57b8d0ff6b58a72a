import { installAwsLambdaGlobal } from "../local/lambda-host";

/**
 * Runs in a fresh `node` (bundled to plain JavaScript first, so no TypeScript loader hooks sit in
 * the way of `require`): installs the runtime's `awslambda` global, then times the module
 * initialisation of the bundle named on the command line, as Lambda's init phase runs it.
 * Prints one JSON line.
 */
const file = process.argv[2];
if (file === undefined) throw new Error("usage: init-child <bundle.js>");
installAwsLambdaGlobal();
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const exports = require(file) as Record<string, unknown>;
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, exports: Object.keys(exports), rss: process.memoryUsage.rss() })}\n`,
);
