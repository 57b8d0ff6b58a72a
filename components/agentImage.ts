import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { hashDirectory } from "./content-hash";
import { parseEcrImageUri } from "./ecr-image";

export interface AgentImageArgs {
  /**
   * Use this image instead of building one (bring your own agent): an ECR image URI, by digest
   * (`…@sha256:…`) or by tag. A tag is resolved to the digest it names when you deploy.
   */
  imageUri?: pulumi.Input<string>;
  /** The Docker build context; defaults to this repository's `agent/`. */
  context?: string;
  /** Delete the repository even when it still holds images (dev stacks). Defaults to false. */
  forceDelete?: pulumi.Input<boolean>;
  /** How many images the lifecycle rule keeps. Defaults to 10. */
  keepImages?: number;
}

/**
 * The agent's container image in a private ECR repository, built for linux/arm64 (AgentCore runs
 * Graviton; an x86 image fails at invocation, not at deploy).
 */
export class AgentImage extends pulumi.ComponentResource {
  /** The image to run, always as `repository@sha256:digest`, so every change rolls out. */
  public readonly imageUri: pulumi.Output<string>;
  /** The repository URL, when this component created one. */
  public readonly repositoryUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: AgentImageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:AgentImage", name, args, opts);
    const keepImages = args.keepImages ?? 10;
    if (!Number.isInteger(keepImages) || keepImages < 1) {
      throw new Error("`keepImages` must be a positive integer.");
    }

    if (args.imageUri !== undefined) {
      this.imageUri = byDigest(args.imageUri, this);
      this.repositoryUrl = pulumi.output(undefined);
    } else {
      const context = args.context ?? path.join(__dirname, "..", "agent");
      const repository = new awsx.ecr.Repository(
        `${name}-repo`,
        {
          forceDelete: args.forceDelete ?? false,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          lifecyclePolicy: {
            rules: [
              {
                description: `Keep the ${keepImages} most recent images`,
                tagStatus: "any",
                maximumNumberOfImages: keepImages,
              },
            ],
          },
        },
        { parent: this },
      );
      const image = new awsx.ecr.Image(
        `${name}-image`,
        {
          repositoryUrl: repository.url,
          context,
          platform: "linux/arm64",
          // Tags are IMMUTABLE: name each build after its inputs, so a rebuild of unchanged code
          // reuses its tag and a change never collides with an old one.
          imageTag: `src-${hashDirectory(context).slice(0, 16)}`,
        },
        { parent: this },
      );
      this.imageUri = byDigest(image.imageUri, this);
      this.repositoryUrl = repository.url;
    }

    this.registerOutputs({ imageUri: this.imageUri, repositoryUrl: this.repositoryUrl });
  }
}

/**
 * The image as AgentCore must get it: by digest. A runtime given a tag keeps running the image it
 * first pulled when the tag moves, so a tag (from the stack config, or from awsx, whose `imageUri`
 * falls back to `repository:tag` when the build reports no digest) is resolved to the digest it
 * names now. No tag means `latest`, as in Docker.
 */
function byDigest(uri: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
  return pulumi.output(uri).apply((value) => {
    const image = parseEcrImageUri(value);
    if (image.digest !== undefined) return pulumi.output(value);
    return aws.ecr
      .getImageOutput(
        {
          registryId: image.registryId,
          region: image.region,
          repositoryName: image.repository,
          imageTag: image.tag ?? "latest",
        },
        { parent },
      )
      .imageDigest.apply((digest) => `${image.repositoryUrl}@${digest}`);
  });
}
