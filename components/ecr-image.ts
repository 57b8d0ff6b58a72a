import { ECR } from "./limits";

/** An ECR image URI taken apart: `<registry>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[@<digest>|:<tag>]`. */
export interface EcrImageRef {
  /** The registry's account id. */
  registryId: string;
  region: string;
  repository: string;
  /** The URI up to the repository, without tag or digest. */
  repositoryUrl: string;
  /** `sha256:<64 hex>` when the URI names a digest. */
  digest?: string;
  /** The tag when the URI names one instead of a digest. */
  tag?: string;
}

// Tags as ECR takes them (PutImage: up to ECR.imageTag.maxChars), which is more than Docker's 128.
const ECR_IMAGE_URI = new RegExp(
  `^((\\d{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?\\/([a-z0-9._/-]+?))(?:@(sha256:[0-9a-f]{64})|:([\\w][\\w.-]{0,${ECR.imageTag.maxChars - 1}}))?$`,
);

/** Parses an ECR image (or repository) URI; throws, naming `imageUri`, for anything else. */
export function parseEcrImageUri(uri: string): EcrImageRef {
  const match = ECR_IMAGE_URI.exec(uri);
  if (!match) throw new Error(`\`imageUri\` ${JSON.stringify(uri)} is not an ECR image URI.`);
  const [, repositoryUrl, registryId, region, repository, digest, tag] = match;
  return {
    registryId,
    region,
    repository,
    repositoryUrl,
    ...(digest !== undefined && { digest }),
    ...(tag !== undefined && { tag }),
  };
}
