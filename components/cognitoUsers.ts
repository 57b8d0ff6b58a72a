import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CognitoUsersArgs {
  /** Minutes an access or id token is valid (default 60). */
  tokenValidityMinutes?: number;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A Cognito user pool for API callers and a public app client (no secret: browsers and CLIs use
 * SRP or password auth), whose tokens the API's COGNITO_USER_POOLS authorizer accepts.
 */
export class CognitoUsers extends pulumi.ComponentResource {
  public readonly userPoolArn: pulumi.Output<string>;
  public readonly userPoolId: pulumi.Output<string>;
  public readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: CognitoUsersArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:CognitoUsers", name, args, opts);
    const validity = args.tokenValidityMinutes ?? 60;
    if (!Number.isInteger(validity) || validity < 5 || validity > 1440) {
      throw new Error("`tokenValidityMinutes` must be an integer from 5 to 1440.");
    }

    const pool = new aws.cognito.UserPool(
      `${name}-pool`,
      {
        usernameAttributes: ["email"],
        autoVerifiedAttributes: ["email"],
        adminCreateUserConfig: { allowAdminCreateUserOnly: true },
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: false,
          temporaryPasswordValidityDays: 3,
        },
        mfaConfiguration: "OPTIONAL",
        softwareTokenMfaConfiguration: { enabled: true },
        deletionProtection: "ACTIVE",
        tags: args.tags,
      },
      { parent: this },
    );
    const client = new aws.cognito.UserPoolClient(
      `${name}-client`,
      {
        userPoolId: pool.id,
        generateSecret: false,
        explicitAuthFlows: [
          "ALLOW_USER_SRP_AUTH",
          "ALLOW_USER_PASSWORD_AUTH",
          "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        preventUserExistenceErrors: "ENABLED",
        accessTokenValidity: validity,
        idTokenValidity: validity,
        tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
        refreshTokenValidity: 30,
      },
      { parent: this },
    );

    this.userPoolArn = pool.arn;
    this.userPoolId = pool.id;
    this.clientId = client.id;
    this.registerOutputs({
      userPoolArn: this.userPoolArn,
      userPoolId: this.userPoolId,
      clientId: this.clientId,
    });
  }
}
