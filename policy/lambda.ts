import { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import {
  coversAnyAction,
  coversResource,
  InvalidPolicyDocument,
  isEffect,
  label,
  parsePolicyDocument,
  wildcardMatch,
} from "./lib/policy-document";
import {
  accountOf,
  PROTECTED_TAG,
  ProtectedFunction,
  protectedFunctions,
  targetFunction,
} from "./lib/protected";
import { ofType, T } from "./lib/types";
import {
  asList,
  asString,
  every,
  isObject,
  isUnknown,
  resolve,
  Resolved,
  UNKNOWN,
} from "./lib/values";

/**
 * Functions that front AgentCore (protected functions, see lib/protected.ts) are invoked by API
 * Gateway of their own account only: no Function URL, no other principal or account in a
 * resource-based permission, no event source mapping, no deploy-time invocation, no identity
 * policy in the stack that lets another principal invoke them, no AgentCore Gateway target. No
 * allow-list reopens them. Every other function keeps its triggers.
 */

const API_GATEWAY_PRINCIPAL = "apigateway.amazonaws.com";

function protectedOrNotApplicable(args: StackValidationArgs): ProtectedFunction[] {
  const found = protectedFunctions(args.resources).protected;
  if (found.length === 0) {
    return args.notApplicable(
      `The stack has no function that fronts AgentCore (none whose role may invoke an AgentCore runtime, none tagged ${PROTECTED_TAG}=true).`,
    );
  }
  return found;
}

/** A stack policy that forbids resources of `type` whose property at `path` names a protected function. */
function noTrigger(options: {
  name: string;
  description: string;
  type: string;
  path: string[];
  /** The violation, a full sentence with what to do instead. */
  message: (trigger: PolicyResource, target: ProtectedFunction) => string;
  remediationSteps: string;
}): StackValidationPolicy {
  return {
    name: options.name,
    description: options.description,
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["lambda", "agentcore", "network-exposure"],
    remediationSteps: options.remediationSteps,
    validateStack: (args, reportViolation) => {
      const functions = protectedOrNotApplicable(args);
      for (const trigger of ofType(args.resources, options.type)) {
        const target = targetFunction(trigger, options.path, functions);
        if (target) {
          reportViolation(options.message(trigger, target), trigger.urn);
        }
      }
    },
  };
}

const THROUGH_API_GATEWAY =
  "Serve it through an API Gateway REST API of this account (a Lambda AWS_PROXY integration and a lambda.Permission for apigateway.amazonaws.com with the API's sourceArn)";

export const lambdaNoFunctionUrl = noTrigger({
  name: "lambda-no-function-url",
  description:
    "Functions that front AgentCore have no Function URL: a URL is a public endpoint that bypasses API Gateway's authorization, throttling and WAF.",
  type: T.lambdaFunctionUrl,
  path: ["functionName"],
  message: (url, { fn, why }) =>
    `Lambda Function URL "${url.name}" gives function "${fn.name}", which fronts AgentCore because ${why}, a public endpoint around API Gateway. Remove the aws.lambda.FunctionUrl; ${THROUGH_API_GATEWAY.charAt(0).toLowerCase()}${THROUGH_API_GATEWAY.slice(1)}.`,
  remediationSteps:
    "Delete the aws.lambda.FunctionUrl and expose the function through an API Gateway REST API (AWS_PROXY integration).",
});

export const lambdaNoEventSourceMapping = noTrigger({
  name: "lambda-no-event-source-mapping",
  description:
    "Functions that front AgentCore have no event source mapping: a queue or stream would invoke them with no API Gateway authorization and no resource-based permission.",
  type: T.lambdaEventSourceMapping,
  path: ["functionName"],
  message: (mapping, { fn, why }) =>
    `Event source mapping "${mapping.name}" invokes function "${fn.name}", which fronts AgentCore because ${why}, with every record of its source, around API Gateway. Point the mapping at another function, and let that one call the agent's API if it must.`,
  remediationSteps:
    "Map the event source to a separate function; only API Gateway invokes a function that fronts AgentCore.",
});

export const lambdaNoDeployInvocation = noTrigger({
  name: "lambda-no-deploy-invocation",
  description:
    "Functions that front AgentCore are not invoked at deploy time (aws.lambda.Invocation): the deploying identity would run the agent around API Gateway.",
  type: T.lambdaInvocation,
  path: ["functionName"],
  message: (invocation, { fn, why }) =>
    `Deploy-time invocation "${invocation.name}" (aws.lambda.Invocation) invokes function "${fn.name}", which fronts AgentCore because ${why}, with the deploying identity's credentials, around API Gateway. Remove the invocation; call the agent's API after the deployment instead.`,
  remediationSteps:
    "Remove the aws.lambda.Invocation; exercise the agent through its API once deployed.",
});

export const lambdaNoGatewayTarget = noTrigger({
  name: "lambda-no-gateway-target",
  description:
    "Functions that front AgentCore are not AgentCore Gateway targets: the gateway's role would invoke them around API Gateway.",
  type: T.agentcoreGatewayTarget,
  path: ["targetConfiguration", "mcp", "lambda", "lambdaArn"],
  message: (target, { fn, why }) =>
    `AgentCore gateway target "${target.name}" invokes function "${fn.name}", which fronts AgentCore because ${why}, with the gateway's role, around API Gateway. Give the gateway a function of its own as its target.`,
  remediationSteps:
    "Point the gateway target at a separate function; only API Gateway invokes a function that fronts AgentCore.",
});

/**
 * An API Gateway execute-api ARN that names one API: no wildcard in the partition, region,
 * account or API id (stage, method and path may be wildcards). The API id is not held to API
 * Gateway's current format (10 lowercase alphanumerics), only to naming one API.
 */
const EXECUTE_API_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([^*?/:]+)(\/.*)?$/;

/**
 * Why a sourceArn does not name one API of `account`, or `undefined` when it does. `account` is
 * `UNKNOWN` at preview while the function's ARN is computed: the account is then not checked.
 */
export function sourceArnProblem(
  sourceArn: string,
  account: string | typeof UNKNOWN = UNKNOWN,
): string | undefined {
  const match = EXECUTE_API_ARN.exec(sourceArn);
  if (match) {
    return account === UNKNOWN || match[3] === account
      ? undefined
      : `names an API in account ${match[3]}, not the function's account ${account}`;
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

const INVOKE_ACTIONS = ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"];

/** Whether a permission's action lets its principal invoke (a computed action counts). */
function grantsInvoke(action: Resolved | undefined): boolean {
  return typeof action !== "string" || INVOKE_ACTIONS.some((a) => wildcardMatch(action, a, true));
}

export const lambdaPermissionApigatewayOnly: StackValidationPolicy = {
  name: "lambda-permission-apigateway-only",
  description:
    "Every Lambda permission on a function that fronts AgentCore names apigateway.amazonaws.com as principal and a sourceArn for one API in the function's own account: no other principal, account or service may invoke.",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["lambda", "agentcore", "network-exposure"],
  remediationSteps:
    "Set principal to apigateway.amazonaws.com and sourceArn to pulumi.interpolate`${restApi.executionArn}/*/*` (or a narrower stage/method/path) of an API in the function's account.",
  validateStack: (args, reportViolation) => {
    const functions = protectedOrNotApplicable(args);
    const scope =
      "Set sourceArn to the one REST API of this account that may call, e.g. pulumi.interpolate`${restApi.executionArn}/*/*`.";
    for (const permission of ofType(args.resources, T.lambdaPermission)) {
      const target = targetFunction(permission, ["function"], functions);
      if (!target || !grantsInvoke(resolve(permission.props, "action"))) {
        continue;
      }
      const { fn, why } = target;
      const subject = `Lambda permission "${permission.name}" on function "${fn.name}", which fronts AgentCore because ${why},`;
      const principal = asString(resolve(permission.props, "principal"));
      if (isUnknown(principal)) {
        continue;
      }
      if (principal !== API_GATEWAY_PRINCIPAL) {
        reportViolation(
          `${subject} lets ${JSON.stringify(principal ?? "?")} invoke it. Only ${API_GATEWAY_PRINCIPAL} may: set principal to ${API_GATEWAY_PRINCIPAL} and front the function with API Gateway. ${scope}`,
          permission.urn,
        );
        continue;
      }
      const source = resolve(permission.props, "sourceArn");
      if (source === undefined || source === null) {
        reportViolation(
          `${subject} has no sourceArn, so every API Gateway API in every account can invoke it. ${scope}`,
          permission.urn,
        );
        continue;
      }
      const sourceArn = asString(source);
      if (typeof sourceArn !== "string") {
        continue;
      }
      const problem = sourceArnProblem(sourceArn, accountOf(fn));
      if (problem !== undefined) {
        reportViolation(
          `${subject} has sourceArn ${JSON.stringify(sourceArn)}, which ${problem}, so other APIs can invoke it. ${scope}`,
          permission.urn,
        );
      }
    }
  },
};

/** The identity policy documents of the stack, with the resource that carries each. */
function identityDocuments(
  resources: readonly PolicyResource[],
): { owner: PolicyResource; where: string; document: Resolved | undefined }[] {
  const out: { owner: PolicyResource; where: string; document: Resolved | undefined }[] = [];
  for (const type of [T.iamPolicy, T.iamRolePolicy, T.iamUserPolicy, T.iamGroupPolicy]) {
    for (const owner of ofType(resources, type)) {
      out.push({ owner, where: "policy", document: resolve(owner.props, "policy") });
    }
  }
  for (const role of ofType(resources, T.iamRole)) {
    const inline = resolve(role.props, "inlinePolicies");
    asList(isUnknown(inline) ? null : inline).forEach((p, i) =>
      out.push({
        owner: role,
        where: `inlinePolicies[${i}]`,
        document: isObject(p) ? p.policy : p,
      }),
    );
  }
  return out;
}

export const lambdaNoIdentityInvokeGrant: StackValidationPolicy = {
  name: "lambda-no-identity-invoke-grant",
  description:
    "No identity policy in the stack allows lambda:InvokeFunction on a function that fronts AgentCore: a role that EventBridge Scheduler, Step Functions or another account can assume would invoke it with no resource-based permission, around API Gateway.",
  enforcementLevel: "mandatory",
  severity: "high",
  tags: ["lambda", "agentcore", "iam", "network-exposure"],
  remediationSteps:
    "Remove lambda:InvokeFunction on the function (and `*`) from the identity policy; grant it on other functions by ARN.",
  validateStack: (args, reportViolation) => {
    const functions = protectedOrNotApplicable(args);
    for (const { owner, where, document } of identityDocuments(args.resources)) {
      const statements = parsePolicyDocument(document);
      if (
        statements === undefined ||
        isUnknown(statements) ||
        statements instanceof InvalidPolicyDocument
      ) {
        continue;
      }
      for (const s of statements) {
        for (const { fn, why } of functions) {
          const arn = asString(resolve(fn.props, "arn"));
          const grants = every(
            () => isEffect(s, "Allow"),
            () => coversAnyAction(s, INVOKE_ACTIONS),
            // A computed function ARN: only a grant on every resource is known to cover it.
            () =>
              coversResource(s, typeof arn === "string" ? arn : "arn:aws:lambda:?:?:function:?"),
          );
          if (grants === true) {
            reportViolation(
              `IAM ${where} of "${owner.name}" has ${label(s)} that allows invoking function "${fn.name}", which fronts AgentCore because ${why}, so whoever holds that identity invokes it around API Gateway. Grant lambda:InvokeFunction on other functions by ARN instead of on this one or on "*".`,
              owner.urn,
            );
          }
        }
      }
    }
  },
};

export const lambdaPolicies = [
  lambdaNoFunctionUrl,
  lambdaPermissionApigatewayOnly,
  lambdaNoEventSourceMapping,
  lambdaNoDeployInvocation,
  lambdaNoIdentityInvokeGrant,
  lambdaNoGatewayTarget,
];
