import { ResourceValidationPolicy } from "@pulumi/policy";
import { T, validateTypes } from "./lib/types";
import { asString, deferToUp, isUnknown, resolve } from "./lib/values";

/**
 * Lambda functions are invoked by API Gateway only: no Function URLs, and no resource-based
 * permission for any other principal, account or service, or for API Gateway without naming the
 * one REST API that may call.
 */

const API_GATEWAY_PRINCIPAL = "apigateway.amazonaws.com";

/** A function name from a name, a partial ARN or a full ARN (with or without a qualifier). */
export function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  return match ? match[1] : nameOrArn;
}

export interface NoFunctionUrlConfig {
  /** Functions (names or ARNs) allowed a Function URL. */
  allowedFunctions?: string[];
  /** Whether allowed functions may use authorizationType NONE (default false: AWS_IAM only). */
  allowNoneAuthorization?: boolean;
}

export const lambdaNoFunctionUrl: ResourceValidationPolicy = {
  name: "lambda-no-function-url",
  description:
    "Lambda functions have no Function URL: a URL is a public endpoint that bypasses API Gateway's authorization, throttling and WAF.",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["lambda", "network-exposure"],
  configSchema: {
    properties: {
      allowedFunctions: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Function names or ARNs allowed a Function URL.",
      },
      allowNoneAuthorization: {
        type: "boolean",
        default: false,
        description:
          "Whether allowed functions may use authorizationType NONE (default: AWS_IAM only).",
      },
    },
  },
  remediationSteps:
    "Delete the aws.lambda.FunctionUrl and expose the function through an API Gateway REST API (AWS_PROXY integration).",
  validateResource: validateTypes([T.lambdaFunctionUrl], (props, args, reportViolation) => {
    const { allowedFunctions = [], allowNoneAuthorization = false } =
      args.getConfig<NoFunctionUrlConfig>();
    const instead =
      "Remove the aws.lambda.FunctionUrl and expose the function through an API Gateway REST API with a Lambda (AWS_PROXY) integration instead.";
    if (allowedFunctions.length === 0) {
      reportViolation(
        `Lambda Function URL "${args.name}" gives the function a public endpoint. ${instead}`,
      );
      return;
    }
    const fn = asString(resolve(props, "functionName"));
    if (isUnknown(fn)) {
      return deferToUp(args, "functionName (needed for allowedFunctions)");
    }
    const allowed =
      fn !== undefined && allowedFunctions.map(functionNameOf).includes(functionNameOf(fn));
    if (!allowed) {
      reportViolation(
        `Lambda Function URL "${args.name}" gives function ${JSON.stringify(fn ?? "?")}, which is not in allowedFunctions, a public endpoint. ${instead}`,
      );
      return;
    }
    if (allowNoneAuthorization) {
      return;
    }
    const auth = asString(resolve(props, "authorizationType"));
    if (isUnknown(auth)) {
      return deferToUp(args, "authorizationType");
    }
    if (auth !== "AWS_IAM") {
      reportViolation(
        `Lambda Function URL "${args.name}" uses authorizationType ${JSON.stringify(auth ?? "?")}, so anyone can call it. Set authorizationType to AWS_IAM, or remove the URL and use API Gateway.`,
      );
    }
  }),
};

/**
 * An API Gateway execute-api ARN that names one API: no wildcard in the partition, region,
 * account or API id (stage, method and path may be wildcards). The API id is not held to API
 * Gateway's current format (10 lowercase alphanumerics), only to naming one API.
 */
const EXECUTE_API_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([^*?/:]+)(\/.*)?$/;

/** Why a sourceArn does not name one specific API, or `undefined` when it does. */
export function sourceArnProblem(sourceArn: string): string | undefined {
  if (EXECUTE_API_ARN.test(sourceArn)) {
    return undefined;
  }
  const parts = sourceArn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || parts[2] !== "execute-api") {
    return "is not an API Gateway execute-api ARN";
  }
  const apiId = parts.slice(5).join(":").split("/")[0];
  if (/[*?]/.test(apiId) || apiId === "") {
    return "does not name one API (the API id is a wildcard)";
  }
  if (/[*?]/.test(parts[4]) || !/^\d{12}$/.test(parts[4])) {
    return "does not name one account (the account is a wildcard or missing)";
  }
  return "does not name one API in one region and account";
}

export interface PermissionApigatewayOnlyConfig {
  /**
   * Other principals (e.g. `events.amazonaws.com`) an organisation lets invoke functions; they
   * still need a sourceArn. Empty by default: API Gateway only.
   */
  allowedPrincipals?: string[];
}

export const lambdaPermissionApigatewayOnly: ResourceValidationPolicy = {
  name: "lambda-permission-apigateway-only",
  description:
    "Every Lambda permission names apigateway.amazonaws.com as principal and a sourceArn for one specific API: no other principal, account or service may invoke.",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["lambda", "network-exposure"],
  configSchema: {
    properties: {
      allowedPrincipals: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Other principals allowed to invoke (each still needs a sourceArn). Empty: API Gateway only.",
      },
    },
  },
  remediationSteps:
    "Set principal to apigateway.amazonaws.com and sourceArn to pulumi.interpolate`${restApi.executionArn}/*/*` (or a narrower stage/method/path).",
  validateResource: validateTypes([T.lambdaPermission], (props, args, reportViolation) => {
    const { allowedPrincipals = [] } = args.getConfig<PermissionApigatewayOnlyConfig>();
    const principal = asString(resolve(props, "principal"));
    if (isUnknown(principal)) {
      return deferToUp(args, "principal");
    }
    const scope =
      "Set sourceArn to the one REST API that may call, e.g. pulumi.interpolate`${restApi.executionArn}/*/*`.";
    // Set or not is known at preview: a computed sourceArn reads as UNKNOWN, which is set.
    const source = resolve(props, "sourceArn");
    const hasSource = source !== undefined && source !== null;
    if (principal !== undefined && allowedPrincipals.includes(principal)) {
      if (!hasSource) {
        reportViolation(
          `Lambda permission "${args.name}" lets ${principal} invoke from any source. Set sourceArn to the one resource that may invoke the function.`,
        );
      }
      return;
    }
    if (principal !== API_GATEWAY_PRINCIPAL) {
      reportViolation(
        `Lambda permission "${args.name}" lets ${JSON.stringify(principal ?? "?")} invoke the function. Only ${API_GATEWAY_PRINCIPAL} may invoke: set principal to ${API_GATEWAY_PRINCIPAL} and front the function with API Gateway. ${scope}`,
      );
      return;
    }
    if (!hasSource) {
      reportViolation(
        `Lambda permission "${args.name}" has no sourceArn, so every API Gateway API in every account can invoke the function. ${scope}`,
      );
      return;
    }
    const sourceArn = asString(source);
    if (isUnknown(sourceArn)) {
      return deferToUp(args, "sourceArn");
    }
    const problem = sourceArnProblem(sourceArn ?? "");
    if (problem !== undefined) {
      reportViolation(
        `Lambda permission "${args.name}" has sourceArn ${JSON.stringify(sourceArn)}, which ${problem}, so other APIs can invoke the function. ${scope}`,
      );
    }
  }),
};

export const lambdaPolicies = [lambdaNoFunctionUrl, lambdaPermissionApigatewayOnly];
