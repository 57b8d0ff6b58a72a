import {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, ofType, referenced, sourcesOf, T, validateTypes } from "./lib/types";
import {
  asList,
  asNumber,
  asString,
  deferToUp,
  isObject,
  isUnknown,
  resolve,
  Tri,
  UNKNOWN,
} from "./lib/values";

/**
 * Streaming correctness for API Gateway REST APIs with response streaming (responseTransferMode
 * STREAM): the Lambda URI that streams, endpoint types that do not cut streams after 30 s, no
 * compression, a timeout the Lambda can honour, and no anonymous method on a streaming API.
 * Advisory by default: a mistake here breaks streaming, not isolation.
 */

const STREAMING_SUFFIX = "/response-streaming-invocations";
const LAMBDA_INTEGRATION_URI = /^arn:[a-z-]+:apigateway:[^:]+:lambda:path\//;
/** API Gateway's default integration timeout. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29000;
/** Lambda's default function timeout. */
const DEFAULT_LAMBDA_TIMEOUT_S = 3;

/** An integration's transfer mode: unset means BUFFERED. */
function transferMode(props: unknown): string | typeof UNKNOWN {
  const mode = asString(resolve(props, "responseTransferMode"));
  return mode ?? "BUFFERED";
}

export const apigatewayStreamLambdaUri: ResourceValidationPolicy = {
  name: "apigateway-stream-lambda-uri",
  description:
    "STREAM integrations to Lambda use the response-streaming-invocations URI (InvokeWithResponseStream), BUFFERED ones the ordinary invocations URI, and only proxy integrations stream.",
  enforcementLevel: "advisory",
  severity: "medium",
  tags: ["apigateway", "streaming"],
  remediationSteps:
    "With responseTransferMode STREAM, set uri to the function's responseStreamingInvokeArn; with BUFFERED, to its invokeArn.",
  validateResource: validateTypes([T.restApiIntegration], (props, args, reportViolation) => {
    const mode = transferMode(props);
    const type = asString(resolve(props, "type"));
    if (isUnknown(mode) || isUnknown(type)) {
      return deferToUp(args, "The integration's responseTransferMode or type");
    }
    if (mode === "STREAM" && type !== "AWS_PROXY" && type !== "HTTP_PROXY") {
      reportViolation(
        `API Gateway integration "${args.name}" sets responseTransferMode STREAM on a ${type ?? "?"} integration, which API Gateway supports only for AWS_PROXY and HTTP_PROXY. Use an AWS_PROXY (Lambda) or HTTP_PROXY integration, or set responseTransferMode to BUFFERED.`,
      );
      return;
    }
    const uri = asString(resolve(props, "uri"));
    if (isUnknown(uri)) {
      return deferToUp(args, "The integration uri");
    }
    if (uri === undefined || !LAMBDA_INTEGRATION_URI.test(uri)) {
      return args.notApplicable("Not a Lambda integration.");
    }
    const streamingUri = uri.endsWith(STREAMING_SUFFIX);
    if (mode === "STREAM" && !streamingUri) {
      reportViolation(
        `API Gateway integration "${args.name}" streams (responseTransferMode STREAM) to a Lambda through the ordinary invocations URI, which API Gateway rejects for streaming. Set uri to the function's responseStreamingInvokeArn (…/2021-11-15/functions/<arn>/response-streaming-invocations).`,
      );
    } else if (mode !== "STREAM" && streamingUri) {
      reportViolation(
        `API Gateway integration "${args.name}" buffers (responseTransferMode ${mode}) but calls the Lambda through the response-streaming-invocations URI. Set responseTransferMode to STREAM, or set uri to the function's invokeArn.`,
      );
    }
  }),
};

interface StreamingApi {
  api: PolicyResource;
  integrations: PolicyResource[];
}

/** REST APIs in the stack that carry at least one STREAM integration. */
export function streamingApis(resources: readonly PolicyResource[]): StreamingApi[] {
  const apis = ofType(resources, T.restApi);
  const byUrn = new Map<string, StreamingApi>();
  for (const integration of ofType(resources, T.restApiIntegration)) {
    if (transferMode(integration.props) !== "STREAM") {
      continue;
    }
    const api = referenced(integration, "restApi", apis);
    if (!api) {
      continue;
    }
    const entry = byUrn.get(api.urn) ?? { api, integrations: [] };
    entry.integrations.push(integration);
    byUrn.set(api.urn, entry);
  }
  return [...byUrn.values()];
}

function streamingApisOrNotApplicable(args: StackValidationArgs): StreamingApi[] {
  const found = streamingApis(args.resources);
  if (found.length === 0) {
    return args.notApplicable("The stack has no REST API with a STREAM integration.");
  }
  return found;
}

/** The endpoint types of a REST API (EDGE when unset, as API Gateway defaults). */
function endpointTypes(props: unknown): string[] | typeof UNKNOWN {
  const config = resolve(props, "endpointConfiguration");
  if (isUnknown(config)) {
    return UNKNOWN;
  }
  if (!isObject(config)) {
    return ["EDGE"];
  }
  const types = config.types;
  if (isUnknown(types) || asList(types).some(isUnknown)) {
    return UNKNOWN;
  }
  const list = asList(types).filter((t): t is string => typeof t === "string");
  return list.length > 0 ? list : ["EDGE"];
}

export const apigatewayStreamEndpointRegional: StackValidationPolicy = {
  name: "apigateway-stream-endpoint-regional",
  description:
    "REST APIs with STREAM integrations are REGIONAL or PRIVATE: EDGE endpoints end a stream after 30 seconds of silence (REGIONAL and PRIVATE allow 5 minutes).",
  enforcementLevel: "advisory",
  severity: "medium",
  tags: ["apigateway", "streaming"],
  remediationSteps:
    'Set endpointConfiguration: { types: "REGIONAL" } on the REST API (or PRIVATE).',
  validateStack: (args, reportViolation) => {
    for (const { api } of streamingApisOrNotApplicable(args)) {
      const types = endpointTypes(api.props);
      if (isUnknown(types)) {
        continue;
      }
      if (types.some((t) => t.toUpperCase() === "EDGE")) {
        reportViolation(
          `${describe(api)} carries STREAM integrations on an EDGE endpoint (the default when endpointConfiguration is unset), which idles a stream out after 30 seconds. Set endpointConfiguration.types to REGIONAL (or PRIVATE); put CloudFront in front yourself if you need edge caching.`,
          api.urn,
        );
      }
    }
  },
};

/** Whether a REST API compresses responses (minimumCompressionSize set to 0 or more). */
function compresses(props: unknown): Tri {
  const size = asNumber(resolve(props, "minimumCompressionSize"));
  if (isUnknown(size)) {
    return UNKNOWN;
  }
  return size !== undefined && size >= 0;
}

export const apigatewayStreamNoCompression: StackValidationPolicy = {
  name: "apigateway-stream-no-compression",
  description:
    "REST APIs with STREAM integrations set no minimumCompressionSize: API Gateway cannot compress a streamed response.",
  enforcementLevel: "advisory",
  severity: "low",
  tags: ["apigateway", "streaming"],
  remediationSteps: "Remove minimumCompressionSize from the REST API (or set it to -1).",
  validateStack: (args, reportViolation) => {
    for (const { api } of streamingApisOrNotApplicable(args)) {
      if (compresses(api.props) === true) {
        reportViolation(
          `${describe(api)} carries STREAM integrations but sets minimumCompressionSize, and streamed responses cannot be content-encoded. Remove minimumCompressionSize (or set it to -1) on this API.`,
          api.urn,
        );
      }
    }
  },
};

/** The function a Lambda integration invokes, by the ARN in its uri or by dependency. */
function integrationFunction(
  integration: PolicyResource,
  functions: readonly PolicyResource[],
): PolicyResource | undefined {
  const uri = asString(resolve(integration.props, "uri"));
  if (typeof uri === "string") {
    const match = /\/functions\/(.+?)\/(?:invocations|response-streaming-invocations)$/.exec(uri);
    if (match) {
      const fnArn = match[1];
      const byArn = functions.find((f) => asString(resolve(f.props, "arn")) === fnArn);
      if (byArn) {
        return byArn;
      }
    }
  }
  const urns = new Set(sourcesOf(integration, "uri").map((s) => s.urn));
  const candidates = functions.filter((f) => urns.has(f.urn));
  return candidates.length === 1 ? candidates[0] : undefined;
}

export const apigatewayStreamTimeoutWithinLambda: StackValidationPolicy = {
  name: "apigateway-stream-timeout-within-lambda",
  description:
    "A STREAM integration's timeoutMilliseconds is no longer than its Lambda's timeout: past the Lambda's timeout the stream is cut anyway.",
  enforcementLevel: "advisory",
  severity: "low",
  tags: ["apigateway", "streaming", "lambda"],
  remediationSteps:
    "Set the integration's timeoutMilliseconds to at most the function's timeout × 1000 (up to 900000 for STREAM).",
  validateStack: (args, reportViolation) => {
    const functions = ofType(args.resources, T.lambdaFunction);
    for (const { integrations } of streamingApisOrNotApplicable(args)) {
      for (const integration of integrations) {
        const fn = integrationFunction(integration, functions);
        if (!fn) {
          continue;
        }
        const integrationMs = asNumber(resolve(integration.props, "timeoutMilliseconds"));
        const lambdaS = asNumber(resolve(fn.props, "timeout"));
        if (isUnknown(integrationMs) || isUnknown(lambdaS)) {
          continue;
        }
        const effectiveMs = integrationMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
        const lambdaMs = (lambdaS ?? DEFAULT_LAMBDA_TIMEOUT_S) * 1000;
        if (effectiveMs > lambdaMs) {
          reportViolation(
            `${describe(integration)} waits up to ${effectiveMs} ms, longer than its Lambda ${JSON.stringify(fn.name)} may run (${lambdaMs} ms), so long answers are cut by the function's timeout. Set timeoutMilliseconds to at most ${lambdaMs}, or raise the function's timeout.`,
            integration.urn,
          );
        }
      }
    }
  },
};

export interface MethodsAuthorizedConfig {
  /** HTTP methods exempt (default OPTIONS: CORS preflight requests carry no credentials). */
  exemptHttpMethods?: string[];
}

export const apigatewayStreamMethodsAuthorized: StackValidationPolicy = {
  name: "apigateway-stream-methods-authorized",
  description:
    "Every method on a REST API with STREAM integrations requires authorization or an API key: an open streaming method lets anyone run the agent at your cost.",
  enforcementLevel: "advisory",
  severity: "high",
  tags: ["apigateway", "streaming", "authorization"],
  configSchema: {
    properties: {
      exemptHttpMethods: {
        type: "array",
        items: { type: "string" },
        default: ["OPTIONS"],
        description:
          "HTTP methods exempt from the check (CORS preflight requests carry no credentials).",
      },
    },
  },
  remediationSteps:
    "Set authorization (AWS_IAM, COGNITO_USER_POOLS or CUSTOM with an authorizer) or apiKeyRequired: true on the method.",
  validateStack: (args, reportViolation) => {
    const apis = streamingApisOrNotApplicable(args).map((s) => s.api);
    const { exemptHttpMethods = ["OPTIONS"] } = args.getConfig<MethodsAuthorizedConfig>();
    const exempt = exemptHttpMethods.map((m) => m.toUpperCase());
    for (const method of ofType(args.resources, T.restApiMethod)) {
      const api = referenced(method, "restApi", apis);
      if (!api) {
        continue;
      }
      const httpMethod = asString(resolve(method.props, "httpMethod"));
      const authorization = asString(resolve(method.props, "authorization"));
      const apiKey = resolve(method.props, "apiKeyRequired");
      if (isUnknown(httpMethod) || isUnknown(authorization) || isUnknown(apiKey)) {
        continue;
      }
      if (httpMethod !== undefined && exempt.includes(httpMethod.toUpperCase())) {
        continue;
      }
      const open = (authorization ?? "NONE").toUpperCase() === "NONE" && apiKey !== true;
      if (open) {
        reportViolation(
          `${describe(method)} (${httpMethod ?? "?"}) on streaming ${describe(api)} requires neither authorization nor an API key. Set authorization (AWS_IAM, COGNITO_USER_POOLS, or CUSTOM with an authorizer) or apiKeyRequired: true.`,
          method.urn,
        );
      }
    }
  },
};

export const apigatewayPolicies = [
  apigatewayStreamLambdaUri,
  apigatewayStreamEndpointRegional,
  apigatewayStreamNoCompression,
  apigatewayStreamTimeoutWithinLambda,
  apigatewayStreamMethodsAuthorized,
];
