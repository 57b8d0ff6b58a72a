import {
  InvokeAgentRuntimeCommand,
  type BedrockAgentCoreClient,
} from "@aws-sdk/client-bedrock-agentcore";
import * as z from "zod/mini";

/**
 * The control payload that stops the answer in progress in a runtime session
 * (docs/event-protocol.md). It goes through InvokeAgentRuntime like a prompt: AgentCore routes
 * every invocation of a runtime session to the same microVM, even while another invocation of
 * that session is still streaming, so it reaches the agent process that runs the answer. There
 * is no other way in: Lambda never learns that its client left, and AgentCore may not tell the
 * container that the proxy left either.
 */
const CANCEL_PAYLOAD = Buffer.from(JSON.stringify({ cancel: true }), "utf8");

/** `{"cancelled": boolean}`, a few bytes; anything much larger is not the agent's answer. */
const MAX_ANSWER_BYTES = 4096;
const CancelAnswer = z.object({ cancelled: z.boolean() });

class CancelAnswerError extends Error {
  override name = "CancelAnswerError";
}

/** The runtime session a request acts on, as InvokeAgentRuntime names it. */
export interface SessionTarget {
  agentRuntimeArn: string;
  qualifier: string;
  runtimeSessionId: string;
  runtimeUserId: string | undefined;
}

/**
 * Asks the agent to stop the answer in progress in the session. Resolves whether an answer was
 * running (and was stopped); rejects with the SDK's error, or CancelAnswerError when the agent
 * answers something else than `{"cancelled": boolean}`.
 */
export async function cancelTurn(
  client: Pick<BedrockAgentCoreClient, "send">,
  target: SessionTarget,
  abortSignal: AbortSignal,
): Promise<boolean> {
  const response = await client.send(
    new InvokeAgentRuntimeCommand({
      ...target,
      accept: "application/json",
      contentType: "application/json",
      payload: CANCEL_PAYLOAD,
    }),
    { abortSignal },
  );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of (response.response ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      throw new CancelAnswerError(
        `the agent's answer to a cancel exceeds ${MAX_ANSWER_BYTES} bytes`,
      );
    }
    chunks.push(Buffer.from(chunk));
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new CancelAnswerError("the agent's answer to a cancel is not JSON");
  }
  const parsed = CancelAnswer.safeParse(json);
  if (!parsed.success) {
    throw new CancelAnswerError('the agent\'s answer to a cancel is not {"cancelled": boolean}');
  }
  return parsed.data.cancelled;
}
