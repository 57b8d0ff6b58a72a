import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ApiFirewallArgs {
  /** The API stage to protect. */
  stageArn: pulumi.Input<string>;
  /** Associate this existing regional WebACL instead of creating one. */
  webAclArn?: pulumi.Input<string>;
  /** For a created WebACL: requests per client IP per 5 minutes before blocking (default 1000). */
  rateLimitPer5Minutes?: number;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * AWS WAF in front of the API stage: an existing WebACL, or a new one with a per-IP rate rule and
 * the AWS managed common rule set.
 */
export class ApiFirewall extends pulumi.ComponentResource {
  public readonly webAclArn: pulumi.Output<string>;

  constructor(name: string, args: ApiFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:ApiFirewall", name, args, opts);
    const rateLimit = args.rateLimitPer5Minutes ?? 1000;
    if (!Number.isInteger(rateLimit) || rateLimit < 10) {
      throw new Error("`rateLimitPer5Minutes` must be an integer of at least 10.");
    }

    let webAclArn: pulumi.Input<string>;
    if (args.webAclArn !== undefined) {
      webAclArn = args.webAclArn;
    } else {
      const visibility = (metricName: string) => ({
        cloudwatchMetricsEnabled: true,
        metricName,
        sampledRequestsEnabled: true,
      });
      webAclArn = new aws.wafv2.WebAcl(
        `${name}-acl`,
        {
          description: "Rate limiting and common protections for the agentcore-stream API",
          scope: "REGIONAL",
          defaultAction: { allow: {} },
          rules: [
            {
              name: "rate-per-ip",
              priority: 0,
              action: { block: {} },
              statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: "IP" } },
              visibilityConfig: visibility("rate-per-ip"),
            },
            {
              name: "aws-common",
              priority: 1,
              overrideAction: { none: {} },
              statement: {
                managedRuleGroupStatement: {
                  vendorName: "AWS",
                  name: "AWSManagedRulesCommonRuleSet",
                  // The common set blocks bodies over 8 KB; prompts with context are longer. The
                  // proxy enforces its own body limit, so this rule only counts.
                  ruleActionOverrides: [
                    { name: "SizeRestrictions_BODY", actionToUse: { count: {} } },
                  ],
                },
              },
              visibilityConfig: visibility("aws-common"),
            },
          ],
          visibilityConfig: visibility("agentcore-stream"),
          tags: args.tags,
        },
        { parent: this },
      ).arn;
    }
    new aws.wafv2.WebAclAssociation(
      `${name}-association`,
      { resourceArn: args.stageArn, webAclArn },
      { parent: this },
    );

    this.webAclArn = pulumi.output(webAclArn);
    this.registerOutputs({ webAclArn: this.webAclArn });
  }
}
