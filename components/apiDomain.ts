import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ApiDomainArgs {
  domainName: string;
  restApiId: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  /** An ACM certificate in the API's region; created and DNS-validated in `hostedZoneId` when absent. */
  certificateArn?: pulumi.Input<string>;
  /** Route 53 zone for the certificate's validation records and the alias record. */
  hostedZoneId?: pulumi.Input<string>;
  /** Path under the domain (default: the root). */
  basePath?: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A REGIONAL custom domain (TLS 1.2 or newer) mapped to the API's stage, with its DNS alias. */
export class ApiDomain extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly regionalDomainName: pulumi.Output<string>;

  constructor(name: string, args: ApiDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:ApiDomain", name, args, opts);
    if (args.certificateArn === undefined && args.hostedZoneId === undefined) {
      throw new Error(
        "`certificateArn` or `hostedZoneId` is required to serve `domainName` over TLS.",
      );
    }

    let certificateArn: pulumi.Input<string>;
    if (args.certificateArn !== undefined) {
      certificateArn = args.certificateArn;
    } else {
      const certificate = new aws.acm.Certificate(
        `${name}-certificate`,
        { domainName: args.domainName, validationMethod: "DNS", tags: args.tags },
        { parent: this },
      );
      const validationRecord = new aws.route53.Record(
        `${name}-certificate-validation`,
        {
          zoneId: args.hostedZoneId!,
          name: certificate.domainValidationOptions[0].resourceRecordName,
          type: certificate.domainValidationOptions[0].resourceRecordType,
          records: [certificate.domainValidationOptions[0].resourceRecordValue],
          ttl: 300,
          allowOverwrite: true,
        },
        { parent: this },
      );
      certificateArn = new aws.acm.CertificateValidation(
        `${name}-certificate`,
        { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
        { parent: this },
      ).certificateArn;
    }

    const domain = new aws.apigateway.DomainName(
      `${name}-domain`,
      {
        domainName: args.domainName,
        regionalCertificateArn: certificateArn,
        endpointConfiguration: { types: "REGIONAL" },
        securityPolicy: "TLS_1_2",
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.apigateway.BasePathMapping(
      `${name}-mapping`,
      {
        domainName: domain.domainName,
        restApi: args.restApiId,
        stageName: args.stageName,
        basePath: args.basePath,
      },
      { parent: this },
    );
    if (args.hostedZoneId !== undefined) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: "A",
          aliases: [
            {
              name: domain.regionalDomainName,
              zoneId: domain.regionalZoneId,
              evaluateTargetHealth: false,
            },
          ],
        },
        { parent: this },
      );
    }

    this.url = pulumi.output(
      `https://${args.domainName}${args.basePath ? `/${args.basePath}` : ""}`,
    );
    this.regionalDomainName = domain.regionalDomainName;
    this.registerOutputs({ url: this.url, regionalDomainName: this.regionalDomainName });
  }
}
