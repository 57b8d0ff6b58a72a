// Builds what the image runs, into dist/ (or the folder given as the first argument):
// - agent.cjs: the agent (src/main.ts) with every npm package inlined, minified, its source map
//   agent.cjs.map (no source text in it) and the licence notices of those packages,
//   agent.cjs.LEGAL.txt;
// - main.cjs: the image's entry (src/boot/main.ts), which runs agent.cjs from the V8 code cache
//   that `node main.cjs --write-code-cache` writes beside it (the image build runs that step);
// - warm-up.mjs: that step's warm-up (src/boot/warm-up.ts), loaded by the entry for it alone.
// Run with `node build.ts` (Node 24 strips the types itself; no loader needed, so the Docker build
// stage can run it straight after `npm ci`). The same inputs give the same bytes.
//
// What each choice saved at start is measured by `npm run bench` (README, Performance).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { AGENT_BUNDLE, ENTRY, WARM_UP } from "./src/boot/files.ts";

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

// Strands imports the Model Context Protocol SDK for its MCP client even when, as here, no MCP
// server is configured, and evaluating that SDK (hundreds of zod schemas built as it loads) was a
// quarter of the instructions of a start from the code cache (README.md, "Start-up"). This agent uses no
// MCP server, so the image's bundle gets a stand-in that fails loudly if MCP is ever used. Every
// name Strands imports must be exported here: a new one fails the build. To add MCP tools,
// remove this plugin.
const MCP_LEFT_OUT = `function leftOut() {
  throw new Error("The Model Context Protocol SDK is left out of this agent's bundle (agent/build.ts); remove leaveOutMcp there to use MCP servers.");
}
export {
  leftOut as Client,
  leftOut as ClientCredentialsProvider,
  leftOut as McpError,
  leftOut as SSEClientTransport,
  leftOut as StdioClientTransport,
  leftOut as StreamableHTTPClientTransport,
  leftOut as UrlElicitationRequiredError,
  leftOut as getDefaultEnvironment,
  leftOut as takeResult,
};
export const ErrorCode = {}, ElicitRequestSchema = {}, LoggingMessageNotificationSchema = {};
`;
const leaveOutMcp: Plugin = {
  name: "leave-out-mcp",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@modelcontextprotocol\/sdk\// }, (args) =>
      /[\\/]@strands-agents[\\/]sdk[\\/]/.test(args.importer)
        ? { path: args.path, namespace: "mcp-left-out" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "mcp-left-out" }, () => ({
      contents: MCP_LEFT_OUT,
      loader: "js",
    }));
  },
};

/**
 * How the agent is bundled. `image` is what ships. The others are the benchmark's baselines, each
 * one step before the image: `with-mcp` keeps the MCP SDK in, and `unoptimized` is the bundle the
 * image used to run (one ES module, unminified, the AWS SDK's CommonJS builds). `bare-server` is
 * the benchmark's counterfactual, never shipped: the image's bundle and entry with the agent served
 * by a bare node:http server (bench/bare-server.ts) instead of bedrock-agentcore's runtime server.
 */
export type Profile = "image" | "with-mcp" | "unoptimized" | "bare-server";
export const PROFILES: Profile[] = ["image", "with-mcp", "unoptimized", "bare-server"];

const IMAGE: BuildOptions = {
  // CommonJS, so the entry can compile the bundle through node:vm with a code cache (vm has no
  // ESM compile without an experimental flag); it also evaluates faster than the same code as
  // one ES module.
  format: "cjs",
  // The AWS SDK's ES module builds: esbuild drops what the agent does not use from them, where
  // their CommonJS builds (the `main` field) are kept whole.
  mainFields: ["module", "main"],
  minify: true,
  // Stack traces name the TypeScript sources through this map (src/boot/stack-traces.ts); the
  // map carries positions and names only, no source text.
  sourcemap: "linked",
  sourcesContent: false,
};

const AGENT_OPTIONS: Record<Profile, BuildOptions> = {
  image: { ...IMAGE, plugins: [inlineAgentCoreRequires, leaveOutMcp] },
  "bare-server": { ...IMAGE, plugins: [leaveOutMcp] },
  "with-mcp": { ...IMAGE, plugins: [inlineAgentCoreRequires] },
  unoptimized: {
    format: "esm",
    // CommonJS packages inside an ESM bundle still call require() for Node built-ins (the AWS
    // SDK's `require("node:https")`, for one); give them a real one.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    minify: false,
    plugins: [inlineAgentCoreRequires],
  },
};

export async function buildAgent(outdir: string, profile: Profile = "image"): Promise<void> {
  const common: BuildOptions = {
    bundle: true,
    platform: "node",
    target: "node24",
    // Keep the licence notices of bundled packages (Apache-2.0 and MIT ask for that), in a file
    // of their own beside each bundle (`<bundle>.LEGAL.txt`): one non-ASCII letter in a notice
    // made V8 hold the whole 2 MB bundle as a two-byte string, slower to read and to index.
    legalComments: "external",
    // Deterministic output: no metafile, no timestamps, the same input gives the same bytes.
    logLevel: "warning",
    absWorkingDir: import.meta.dirname,
  };
  const agentFile = AGENT_OPTIONS[profile].format === "esm" ? "agent.mjs" : AGENT_BUNDLE;
  await build({
    ...common,
    ...AGENT_OPTIONS[profile],
    entryPoints: [profile === "bare-server" ? "bench/bare-server.ts" : "src/main.ts"],
    outfile: path.join(outdir, agentFile),
  });
  if (profile === "image" || profile === "bare-server") {
    await build({
      ...common,
      format: "cjs",
      define: { "import.meta.dirname": "__dirname" },
      entryPoints: ["src/boot/main.ts"],
      outfile: path.join(outdir, ENTRY),
    });
    await build({
      ...common,
      format: "esm",
      entryPoints: ["src/boot/warm-up.ts"],
      outfile: path.join(outdir, WARM_UP),
    });
  }
}

// `node build.ts [outdir] [--profile=with-mcp|unoptimized]`
if (import.meta.main) {
  const args = process.argv.slice(2);
  const outdir =
    args.find((arg) => !arg.startsWith("--")) ?? path.join(import.meta.dirname, "dist");
  const profile = (args.find((arg) => arg.startsWith("--profile="))?.slice(10) ??
    "image") as Profile;
  if (!PROFILES.includes(profile)) throw new Error(`--profile: use ${PROFILES.join(", ")}`);
  await buildAgent(path.resolve(outdir), profile);
}
