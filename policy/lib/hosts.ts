import { parse as parseYaml } from "yaml";
import { isObject, Resolved, ResolvedObject, Tri, UNKNOWN } from "./values";

/**
 * AgentCore's endpoint host grammar (https://docs.aws.amazon.com/general/latest/gr/bedrock_agentcore.html):
 * the data plane `bedrock-agentcore.<region>.amazonaws.com` (InvokeAgentRuntime and its family),
 * its FIPS form `bedrock-agentcore-fips.<region>.amazonaws.com`, the dual-stack
 * `bedrock-agentcore.<region>.api.aws`, China's `.amazonaws.com.cn` and
 * `.api.amazonwebservices.com.cn`, and gateway hosts
 * `<gatewayId>.gateway.bedrock-agentcore.<region>.amazonaws.com`. A region is
 * `<area>[-<partition>]-<direction>-<n>` (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1).
 * Anchored on both ends: an S3 bucket named `bedrock-agentcore-docs`
 * (`bedrock-agentcore-docs.s3.amazonaws.com`) is not AgentCore.
 */
const REGION = String.raw`[a-z]{2}(?:-[a-z]+)+-\d+`;
const SUFFIX = String.raw`(?:amazonaws\.com(?:\.cn)?|api\.aws|api\.amazonwebservices\.com\.cn)`;
const AGENTCORE_HOST = new RegExp(
  String.raw`^(?:[a-z0-9-]+\.gateway\.)?bedrock-agentcore(?:-fips)?\.${REGION}\.${SUFFIX}\.?$`,
  "i",
);

/**
 * API Gateway AWS-service integration URIs that call AgentCore:
 * `arn:<partition>:apigateway:<region>:<subdomain.service|service>:path|action/...` with the
 * service `bedrock-agentcore` (or its FIPS form), with or without a subdomain
 * (https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html, `uri`).
 */
const AGENTCORE_SERVICE_INTEGRATION =
  /^arn:[a-z-]+:apigateway:[^:]*:(?:[a-z0-9-]+\.)*bedrock-agentcore(?:-fips)?:/i;

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

/** An OpenAPI document that could not be read, and why. */
export class UnreadableDocument {
  constructor(public readonly reason: string) {}
}

/** An OpenAPI document (JSON or YAML text, or already an object) as data. */
function readOpenApi(body: Resolved): unknown {
  if (typeof body !== "string") {
    return body;
  }
  try {
    return parseYaml(body) as unknown;
  } catch (e) {
    return new UnreadableDocument(
      `it is neither JSON nor YAML (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
    );
  }
}

type Uris = { where: string; uri: Resolved }[];

/** Reads an OpenAPI body and picks URIs out of it: `UNKNOWN` when the body is computed. */
function urisOf(
  body: Resolved | undefined,
  pick: (document: unknown) => Uris,
): Uris | typeof UNKNOWN | UnreadableDocument {
  if (body === UNKNOWN) {
    return UNKNOWN;
  }
  if (body === undefined || body === null || body === "") {
    return [];
  }
  const document = readOpenApi(body);
  return document instanceof UnreadableDocument ? document : pick(document);
}

/**
 * The `servers[].url` of an OpenAPI document that a gateway calls (an AgentCore Gateway OpenAPI
 * target sends each tool call to its schema's server).
 */
export function serverUrls(body: Resolved | undefined): Uris | typeof UNKNOWN | UnreadableDocument {
  return urisOf(body, (document) => {
    const servers = isObject(document as Resolved)
      ? (document as ResolvedObject).servers
      : undefined;
    return (Array.isArray(servers) ? servers : []).flatMap((server, i) =>
      isObject(server) && server.url !== undefined
        ? [{ where: `servers[${i}].url`, uri: server.url }]
        : [],
    );
  });
}

const INTEGRATION = "x-amazon-apigateway-integration";
const INTEGRATIONS = "x-amazon-apigateway-integrations";

/**
 * The integration URIs of an OpenAPI document (JSON or YAML) that API Gateway imports: every
 * `x-amazon-apigateway-integration` object's `uri`, and those under an HTTP API's
 * `x-amazon-apigateway-integrations` map. Nothing else is read: a description or example that
 * mentions a host is text, not a target.
 */
export function integrationUris(
  body: Resolved | undefined,
): Uris | typeof UNKNOWN | UnreadableDocument {
  return urisOf(body, integrationsIn);
}

function integrationsIn(document: unknown): Uris {
  const found: Uris = [];
  const integration = (value: unknown, where: string) => {
    if (isObject(value as Resolved)) {
      const uri = (value as ResolvedObject).uri;
      if (uri !== undefined) found.push({ where, uri });
    }
  };
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${where}[${i}]`));
      return;
    }
    if (value === null || typeof value !== "object") {
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const path = where ? `${where}.${key}` : key;
      if (key === INTEGRATION) {
        integration(child, path);
      } else if (key === INTEGRATIONS && child !== null && typeof child === "object") {
        for (const [name, entry] of Object.entries(child as Record<string, unknown>)) {
          integration(entry, `${path}.${name}`);
        }
      } else {
        walk(child, path);
      }
    }
  };
  walk(document, "");
  return found;
}
