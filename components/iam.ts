import * as pulumi from "@pulumi/pulumi";
import { parseEcrImageUri } from "./ecr-image";

/**
 * IAM policy documents as plain typed data. Writing the JSON ourselves (rather than calling the
 * getPolicyDocument data source) keeps every statement visible to unit tests and to the policy
 * pack at preview time, with no provider invoke.
 */
export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  /** Absent only in trust policies, whose resource is the role itself. */
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  Principal?: pulumi.Input<Record<string, pulumi.Input<string> | pulumi.Input<string>[]>> | "*";
  Condition?: pulumi.Input<
    Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>
  >;
}

export function policyDocument(statements: pulumi.Input<Statement>[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** The ARN of the ECR repository an image URI (`<acct>.dkr.ecr.<region>.amazonaws.com/<repo>[@:]...`) lives in. */
export function ecrRepositoryArn(imageOrRepoUri: string, partition: string): string {
  const { registryId, region, repository } = parseEcrImageUri(imageOrRepoUri);
  return `arn:${partition}:ecr:${region}:${registryId}:repository/${repository}`;
}
