// The files build.ts writes and the image runs, named once for both.

/** The agent: every npm package inlined, CommonJS, minified; its map is `<name>.map`. */
export const AGENT_BUNDLE = "agent.cjs";
/** The image's entry (src/boot/main.ts), CommonJS. */
export const ENTRY = "main.cjs";
/** The code cache step's warm-up (src/boot/warm-up.ts), loaded by the entry for that step only. */
export const WARM_UP = "warm-up.mjs";

/**
 * The flags the image runs node with (the Dockerfile's ENTRYPOINT), and so every start that stands
 * for the image: the code-cache step, the tests, the local stack, the bench.
 *
 * `--min-semi-space-size=16` (MB): V8's young generation starts at 1 MB and grows only after
 * scavenges, and the start allocates ~15 MB, so it ran 4 scavenges before /ping answered (seen
 * with --trace-gc); with room from the start it runs none. Measured by `npm run bench` (item 7),
 * for ~2 MB more resident memory. V8 does not allow the flag in NODE_OPTIONS, hence the command
 * line; it does not enter the code cache's flag check, but the cache step uses it all the same.
 *
 * `--disable-warning=FSTDEP023`: bedrock-agentcore (0.4) always passes Fastify the
 * `disableRequestLogging` option, which Fastify 5 deprecates, so every start would print that
 * deprecation to the runtime's logs, once per new session, with nothing an operator can do about
 * it. Only that code is silenced (a Node.js option, outside V8's flags); any other warning still
 * shows, and the entry's test fails on it.
 */
export const NODE_FLAGS: readonly string[] = [
  "--min-semi-space-size=16",
  "--disable-warning=FSTDEP023",
];
