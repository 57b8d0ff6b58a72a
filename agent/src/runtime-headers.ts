// The AgentCore runtime contract's request headers that the agent reads. No imports, so the image
// build's warm-up (a small bundle of its own, src/boot/warm-up.ts) can name them too.

/** The runtime session id, which AgentCore sends with every invocation of a session. */
export const SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id";
