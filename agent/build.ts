// Bundles the agent into one ESM file, dist/main.mjs, which is all the image needs at run time.
// Run with `node build.ts` (Node 24 strips the types itself; no loader needed, so the Docker build
// stage can run it straight after `npm ci`).
import { readFile } from "node:fs/promises";
import { build, type Plugin } from "esbuild";

// bedrock-agentcore's runtime loads its Fastify plugins through a private
// `createRequire(import.meta.url)`. esbuild cannot see through that, so it would leave
// `require("@fastify/sse")` to be resolved at run time from a node_modules the image does not have.
// Dropping the private `require` makes those calls ordinary `require()`s, which esbuild bundles.
// If a new version changes that line, fail the build instead of shipping a broken image.
const PRIVATE_REQUIRE = "const require = createRequire(import.meta.url);";
const inlineAgentCoreRequires: Plugin = {
  name: "inline-bedrock-agentcore-requires",
  setup(pluginBuild) {
    pluginBuild.onLoad(
      { filter: /bedrock-agentcore[\\/]dist[\\/]src[\\/]runtime[\\/]app\.js$/ },
      async (args) => {
        const source = await readFile(args.path, "utf8");
        if (!source.includes(PRIVATE_REQUIRE)) {
          throw new Error(`${args.path} no longer contains '${PRIVATE_REQUIRE}'; revisit build.ts`);
        }
        return { contents: source.replace(PRIVATE_REQUIRE, ""), loader: "js" };
      },
    );
  },
};

const result = await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.mjs",
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // CommonJS packages inside an ESM bundle still call require() for Node built-ins
  // (the AWS SDK's `require("node:https")`, for one); give them a real one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  // Not minified: the bundle stays readable in stack traces and CloudWatch logs, and the few MB
  // it would save are small next to the Node.js base image.
  minify: false,
  sourcemap: false,
  // Keep the licence notices of bundled packages (Apache-2.0 and MIT ask for that).
  legalComments: "eof",
  // Deterministic output: no metafile, no timestamps, the same input gives the same bytes.
  logLevel: "warning",
  plugins: [inlineAgentCoreRequires],
});

if (result.errors.length > 0) {
  process.exitCode = 1;
}
