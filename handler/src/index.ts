import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { BedrockAgentCoreClient } from "@aws-sdk/client-bedrock-agentcore";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
// The agent's entry and the proxy map stack traces the same way (no dependency beyond Node).
import { mapStackTraces } from "../../agent/src/boot/stack-traces";
import { readConfig } from "./config";
import { handleRequest, type Deps } from "./proxy";

// Stack traces in the logs name handler/src, through the bundle's linked map, read the first time
// a stack is formatted (Node's --enable-source-maps would read it at every init; node-options.ts).
mapStackTraces(__filename);

/**
 * The streaming proxy between API Gateway (REST, response transfer mode STREAM) and AgentCore
 * Runtime. Everything here runs once per container, at init.
 */
const config = readConfig(process.env);
const logger = new Logger();
const metrics = new Metrics();
if (!config.ok) logger.error("invalid configuration", { problems: config.problems });

/**
 * One client per container. The endpoint comes from the SDK's own resolution (region, or
 * AWS_ENDPOINT_URL_BEDROCK_AGENTCORE when set, which is how tests reach a loopback stand-in).
 * - maxAttempts 2: one quick retry absorbs a transient failure, but the client is waiting for its
 *   first byte, so a throttled or busy answer goes back (429/409) instead of a long backoff.
 * - connectionTimeout only: no request or socket timeout, since a streamed answer can be silent
 *   for minutes; the Lambda deadline bounds it instead (see proxy.ts).
 */
const client = new BedrockAgentCoreClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 5_000 },
});

const deps: Deps = { config, client, logger, metrics };

export const handler = awslambda.streamifyResponse(
  async (event: APIGatewayProxyEvent, responseStream, context: Context): Promise<void> => {
    await handleRequest(event, responseStream, context, deps);
  },
);
