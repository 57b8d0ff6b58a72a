import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ApiKeyAccessArgs {
  restApiId: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  /** Per-key steady rate (requests per second) and burst. */
  rateLimit: pulumi.Input<number>;
  burstLimit: pulumi.Input<number>;
  /** Requests per key per period; no quota when absent. */
  quota?: { limit: pulumi.Input<number>; period: pulumi.Input<"DAY" | "WEEK" | "MONTH"> };
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An API key and the usage plan that meters it on one stage (throttle and quota per key). */
export class ApiKeyAccess extends pulumi.ComponentResource {
  public readonly apiKeyId: pulumi.Output<string>;
  /** The key's value: a secret, shown with `pulumi stack output --show-secrets apiKey`. */
  public readonly apiKeyValue: pulumi.Output<string>;
  public readonly usagePlanId: pulumi.Output<string>;

  constructor(name: string, args: ApiKeyAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:ApiKeyAccess", name, args, opts);

    const key = new aws.apigateway.ApiKey(
      `${name}-key`,
      { description: "Key for the agentcore-stream API", enabled: true, tags: args.tags },
      { parent: this, additionalSecretOutputs: ["value"] },
    );
    const plan = new aws.apigateway.UsagePlan(
      `${name}-plan`,
      {
        description: "Throttle and quota per API key",
        apiStages: [{ apiId: args.restApiId, stage: args.stageName }],
        throttleSettings: { rateLimit: args.rateLimit, burstLimit: args.burstLimit },
        quotaSettings: args.quota
          ? { limit: args.quota.limit, period: args.quota.period }
          : undefined,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.apigateway.UsagePlanKey(
      `${name}-plan-key`,
      { keyId: key.id, keyType: "API_KEY", usagePlanId: plan.id },
      { parent: this },
    );

    this.apiKeyId = key.id;
    this.apiKeyValue = pulumi.secret(key.value);
    this.usagePlanId = plan.id;
    this.registerOutputs({
      apiKeyId: this.apiKeyId,
      apiKeyValue: this.apiKeyValue,
      usagePlanId: this.usagePlanId,
    });
  }
}
