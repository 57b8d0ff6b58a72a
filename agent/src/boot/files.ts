// The files build.ts writes and the image runs, named once for both.

/** The agent: every npm package inlined, CommonJS, minified; its map is `<name>.map`. */
export const AGENT_BUNDLE = "agent.cjs";
/** The image's entry (src/boot/main.ts). */
export const ENTRY = "main.mjs";
