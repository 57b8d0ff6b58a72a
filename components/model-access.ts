import type { Statement } from "./iam";

const PROFILE_PREFIX = /^(us|eu|apac|global|us-gov|jp|au|ca)\.(.+)$/;
const INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/**
 * IAM statements that let the agent call exactly one Bedrock model and nothing else.
 *
 * A plain model id needs its foundation-model ARN in the model's region. A cross-region inference
 * profile id (`us.`, `eu.`, `apac.`, `global.` …) needs the profile's ARN in this account, and the
 * foundation model in every region the profile routes to: that set is AWS's to change, so the
 * foundation-model ARN takes a `*` region and is tied to this profile by the
 * `bedrock:InferenceProfileArn` condition instead. `global.` profiles also route to the
 * region-less foundation-model ARN.
 */
export function modelAccessStatements(args: {
  modelId: string;
  region: string;
  accountId: string;
  partition: string;
}): Statement[] {
  const { modelId, region, accountId, partition } = args;
  const profile = PROFILE_PREFIX.exec(modelId);
  if (!profile) {
    return [
      {
        Sid: "InvokeFoundationModel",
        Effect: "Allow",
        Action: INVOKE_ACTIONS,
        Resource: `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`,
      },
    ];
  }
  const [, prefix, baseModelId] = profile;
  const profileArn = `arn:${partition}:bedrock:${region}:${accountId}:inference-profile/${modelId}`;
  const foundationModels = [`arn:${partition}:bedrock:*::foundation-model/${baseModelId}`];
  if (prefix === "global") {
    foundationModels.push(`arn:${partition}:bedrock:::foundation-model/${baseModelId}`);
  }
  return [
    {
      Sid: "InvokeInferenceProfile",
      Effect: "Allow",
      Action: INVOKE_ACTIONS,
      Resource: profileArn,
    },
    {
      Sid: "InvokeRoutedFoundationModel",
      Effect: "Allow",
      Action: INVOKE_ACTIONS,
      Resource: foundationModels,
      Condition: { StringEquals: { "bedrock:InferenceProfileArn": profileArn } },
    },
  ];
}
