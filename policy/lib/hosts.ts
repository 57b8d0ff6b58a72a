import { Tri, UNKNOWN, Resolved } from "./values";

/**
 * AgentCore endpoints: `bedrock-agentcore.<region>.amazonaws.com` (the data plane that serves
 * InvokeAgentRuntime), its `-fips` and `-control` siblings, gateway hosts under them, and the
 * dual-stack `api.aws` names. The host name from `bedrock-agentcore` on, as a regex source.
 */
const AGENTCORE_HOST_NAME = String.raw`bedrock-agentcore(?:-[a-z0-9]+)?\.(?:[a-z0-9-]+\.)*(?:amazonaws\.com(?:\.cn)?|api\.aws)`;

/** A host name that is an AgentCore endpoint. */
const AGENTCORE_HOST = new RegExp(String.raw`(?:^|\.)${AGENTCORE_HOST_NAME}\.?$`, "i");

/** API Gateway AWS-service integration URIs that call AgentCore: `arn:aws:apigateway:<region>:bedrock-agentcore:...`. */
const AGENTCORE_SERVICE_INTEGRATION =
  /^arn:[a-z-]+:apigateway:[^:]*:bedrock-agentcore(-[a-z0-9]+)?:/i;

/** URLs anywhere in a text (an OpenAPI body) whose host is an AgentCore endpoint. */
const AGENTCORE_URL_IN_TEXT = new RegExp(
  String.raw`https?:\/\/(?:[a-z0-9-]+\.)*${AGENTCORE_HOST_NAME}`,
  "i",
);
const AGENTCORE_SERVICE_INTEGRATION_IN_TEXT =
  /arn:[a-z-]+:apigateway:[^:"\s]*:bedrock-agentcore(-[a-z0-9]+)?:/i;

function hostOf(target: string): string {
  const trimmed = target.trim();
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
      return new URL(trimmed).hostname;
    }
  } catch {
    // Not a URL: read it as a host name below.
  }
  return trimmed.split(/[/:?#]/)[0];
}

/**
 * Whether a host name, URL or integration URI points at an AgentCore endpoint, extra patterns
 * (regular expressions an organisation configures, e.g. for a custom domain) included.
 */
export function targetsAgentCore(
  target: Resolved | undefined,
  extraPatterns: readonly RegExp[] = [],
): Tri {
  if (target === UNKNOWN) {
    return UNKNOWN;
  }
  if (typeof target !== "string" || target === "") {
    return false;
  }
  if (AGENTCORE_SERVICE_INTEGRATION.test(target.trim())) {
    return true;
  }
  const host = hostOf(target);
  return AGENTCORE_HOST.test(host) || extraPatterns.some((p) => p.test(host) || p.test(target));
}

/** Whether a text (an OpenAPI document) mentions an AgentCore endpoint as a URL or integration URI. */
export function mentionsAgentCore(
  text: Resolved | undefined,
  extraPatterns: readonly RegExp[] = [],
): Tri {
  if (text === UNKNOWN) {
    return UNKNOWN;
  }
  if (typeof text !== "string") {
    return false;
  }
  return (
    AGENTCORE_URL_IN_TEXT.test(text) ||
    AGENTCORE_SERVICE_INTEGRATION_IN_TEXT.test(text) ||
    extraPatterns.some((p) => p.test(text))
  );
}
