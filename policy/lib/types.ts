import {
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ReportViolation,
} from "@pulumi/policy";
import { asString, resolve } from "./values";

/**
 * Resource type tokens of @pulumi/aws v7, as the engine sends them. The pack matches resources by
 * these tokens and by their properties, never by names, so it works on any stack. It does not
 * import @pulumi/aws: a policy reads raw engine properties, and the test suite checks every token
 * and property name used here against the installed provider SDK.
 */
export const T = {
  agentRuntime: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
  agentRuntimeEndpoint: "aws:bedrock/agentcoreAgentRuntimeEndpoint:AgentcoreAgentRuntimeEndpoint",
  agentcoreResourcePolicy: "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy",
  agentcoreGateway: "aws:bedrock/agentcoreGateway:AgentcoreGateway",
  agentcoreGatewayTarget: "aws:bedrock/agentcoreGatewayTarget:AgentcoreGatewayTarget",
  lambdaFunction: "aws:lambda/function:Function",
  lambdaFunctionUrl: "aws:lambda/functionUrl:FunctionUrl",
  lambdaPermission: "aws:lambda/permission:Permission",
  lambdaEventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  lambdaInvocation: "aws:lambda/invocation:Invocation",
  restApi: "aws:apigateway/restApi:RestApi",
  restApiPut: "aws:apigateway/restApiPut:RestApiPut",
  restApiIntegration: "aws:apigateway/integration:Integration",
  restApiMethod: "aws:apigateway/method:Method",
  httpApi: "aws:apigatewayv2/api:Api",
  httpApiIntegration: "aws:apigatewayv2/integration:Integration",
  cloudfrontDistribution: "aws:cloudfront/distribution:Distribution",
  cloudfrontMultitenantDistribution:
    "aws:cloudfront/multitenantDistribution:MultitenantDistribution",
  iamPolicy: "aws:iam/policy:Policy",
  iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
  iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  iamRole: "aws:iam/role:Role",
  iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
} as const;

export type TypedValidation = (
  props: Record<string, unknown>,
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
) => void | Promise<void>;

/**
 * A resource validation that runs only on resources of `types` (like `validateResourceOfType`, but
 * by type token). With a single type the token is attached as `__pulumiType`, which lets the
 * analyzer skip other resources without calling the policy.
 */
export function validateTypes(
  types: readonly string[],
  validate: TypedValidation,
): ResourceValidation {
  const fn: ResourceValidation = (args, reportViolation) => {
    if (!types.includes(args.type)) {
      return args.notApplicable(`Policy only applies to resources of type ${types.join(", ")}`);
    }
    return validate(args.props, args, reportViolation);
  };
  if (types.length === 1) {
    (fn as ResourceValidation & { __pulumiType?: string }).__pulumiType = types[0];
  }
  return fn;
}

/** The resources of one type in a stack. */
export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => r.type === type);
}

/**
 * The resources `resource` takes `property` from, as the engine recorded them: the property's own
 * dependencies when the engine sent per-property dependencies, otherwise (a caller that sends none)
 * every dependency of the resource.
 */
export function sourcesOf(resource: PolicyResource, property: string): PolicyResource[] {
  const byProperty = resource.propertyDependencies ?? {};
  if (Object.keys(byProperty).length > 0) {
    return byProperty[property] ?? [];
  }
  return resource.dependencies ?? [];
}

/** How a resource is named in a message: its type's last segment and its name. */
export function describe(resource: Pick<PolicyResource, "type" | "name">): string {
  const kind = resource.type.split(":").pop() ?? resource.type;
  return `${kind} "${resource.name}"`;
}

/**
 * The resource of `candidates` that `resource.props[property]` names: by value when it is known
 * and equals one of the candidate's `keys` (id, name, ARN, ...), otherwise by the dependency the
 * engine recorded for the property.
 */
export function referenced(
  resource: PolicyResource,
  property: string,
  candidates: readonly PolicyResource[],
  keys: readonly string[] = ["id"],
): PolicyResource | undefined {
  const ref = asString(resolve(resource.props, property));
  if (typeof ref === "string") {
    const byValue = candidates.find((c) => keys.some((k) => asString(resolve(c.props, k)) === ref));
    if (byValue) {
      return byValue;
    }
  }
  const urns = new Set(sourcesOf(resource, property).map((s) => s.urn));
  return candidates.find((c) => urns.has(c.urn));
}
