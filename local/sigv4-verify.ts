import { createHash, createHmac, timingSafeEqual, type BinaryLike } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { RecordedRequest } from "./agentcore-standin";

/**
 * Verifies the SigV4 signature the AWS SDK put on a request that reached a loopback stand-in, by
 * signing the same request again with the same credentials and comparing. The signer comes from
 * @smithy/signature-v4, the package the SDK itself signs with (a transitive dependency of
 * @aws-sdk/client-bedrock-agentcore; no @aws-crypto hash is installed, so node:crypto hashes).
 */

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type VerifyResult = { ok: true } | { ok: false; type: string; message: string };

function toBinary(data: string | ArrayBuffer | ArrayBufferView): BinaryLike {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A smithy `Checksum` over node:crypto: HMAC-SHA256 with a secret, SHA-256 without. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined ? createHash("sha256") : createHmac("sha256", toBinary(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBinary(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not supported");
  }
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** How far the request's clock may be from ours, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export async function verifySigV4(
  request: RecordedRequest,
  credentials: StaticCredentials,
  expect: { region: string; service: string },
): Promise<VerifyResult> {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  };
  const auth = AUTH.exec(header("authorization") ?? "");
  if (auth === null) {
    return {
      ok: false,
      type: "MissingAuthenticationTokenException",
      message: "Missing or malformed SigV4 Authorization header",
    };
  }
  const [, accessKeyId, , region, service, signedHeaders, signature] = auth;
  if (accessKeyId !== credentials.accessKeyId) {
    return {
      ok: false,
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (region !== expect.region || service !== expect.service) {
    return {
      ok: false,
      type: "InvalidSignatureException",
      message: `Credential should be scoped to ${expect.region}/${expect.service}, not ${region}/${service}`,
    };
  }
  const amzDate = header("x-amz-date") ?? "";
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (m === null) {
    return { ok: false, type: "InvalidSignatureException", message: "Missing X-Amz-Date" };
  }
  const signingDate = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  if (Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS) {
    return { ok: false, type: "InvalidSignatureException", message: "Signature expired" };
  }
  if (credentials.sessionToken !== undefined) {
    if (header("x-amz-security-token") !== credentials.sessionToken) {
      return {
        ok: false,
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      };
    }
  }

  const names = signedHeaders.split(";");
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = header(name) ?? "";
  const [hostname, port] = (header("host") ?? "localhost").split(":");
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname,
      port: port === undefined ? undefined : Number(port),
      path: request.rawPath,
      query: request.query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ""))?.[1];
  if (expected === undefined || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return {
      ok: false,
      type: "InvalidSignatureException",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    };
  }
  return { ok: true };
}
