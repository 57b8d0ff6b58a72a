// The agents that answer: one shared Bedrock model and one Strands agent per runtime session.
import { Agent, BedrockModel } from "@strands-agents/sdk";
import type { AgentConfig } from "./config.js";
import { SessionPool } from "./sessions.js";
import { tools } from "./tools/index.js";

export function createSessionAgents(config: AgentConfig): SessionPool<Agent> {
  // One model (one Bedrock Runtime client and its HTTP/2 connection) shared by every session: it
  // holds configuration only, no conversation. The client honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
  const model = new BedrockModel({
    modelId: config.modelId,
    region: config.modelRegion,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    ...(config.guardrail && {
      guardrailConfig: {
        guardrailIdentifier: config.guardrail.id,
        guardrailVersion: config.guardrail.version,
        // The trace tells Strands whether the guardrail blocked or only masked content.
        trace: "enabled" as const,
      },
    }),
  });

  return new SessionPool<Agent>({
    maxSessions: config.maxSessions,
    create: () =>
      new Agent({
        model,
        tools,
        systemPrompt: config.systemPrompt,
        // The printer writes every answer to stdout; the runtime's logs are no place for them.
        printer: false,
        // No model-level retries in Strands: a retry after text has streamed would stream the
        // answer again on top of the first attempt. The AWS SDK still retries throttling and
        // transient errors (3 attempts by default, AWS_MAX_ATTEMPTS) before the stream starts.
        retryStrategy: null,
      }),
  });
}
