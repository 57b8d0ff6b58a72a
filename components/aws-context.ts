import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Where a component is being deployed: the values every ARN it writes is built from. */
export interface AwsContext {
  accountId: pulumi.Output<string>;
  region: pulumi.Output<string>;
  partition: pulumi.Output<string>;
}

/** Look up account, region and partition once per component (invokes, parented for providers). */
export function awsContext(parent: pulumi.Resource): AwsContext {
  const opts = { parent };
  return {
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
    region: aws.getRegionOutput({}, opts).region,
    partition: aws.getPartitionOutput({}, opts).partition,
  };
}
