// `node main.cjs --write-code-cache`: the image build's last step. Starts the agent against a
// model in this same process (warm-up-model.ts), waits until it answers GET /ping, asks it one
// question, then writes the code cache of everything compiled by then and exits. The cache so
// holds the start and a first answer: the Strands agent of a new session, the AWS SDK's signed
// ConverseStream request and the decoding of its event stream are compiled before the first
// question of every microVM, not during it (agent/README.md, "Start-up").
//
// It runs in the image's own runtime stage (linux/arm64, the image's Node.js and flags), since V8
// only accepts a cache made by the same version with the same flags. Built as a file of its own
// (dist/warm-up.mjs), which the entry loads only for this step.
import { SESSION_HEADER } from "../runtime-headers.js";
import type { LoadedBundle } from "./code-cache.js";
import { startWarmUpModel, WARM_UP_ANSWER } from "./warm-up-model.js";

/** Generous: the build may run under arm64 emulation on an x86 machine. */
const READY_WITHIN_MS = 120_000;
/** AgentCore's session ids are 33 to 256 characters. */
const SESSION_ID = "image-build-code-cache-warm-up-session";

/**
 * The model, credentials and settings of the warm-up, whatever the build's environment holds: it
 * must never reach a real model or carry real credentials, even to loopback.
 */
function warmUpEnvironment(modelEndpoint: string): void {
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = modelEndpoint;
  // Would make the SDK ignore the endpoint above and go to Bedrock itself.
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  process.env.AWS_ACCESS_KEY_ID = "AKIDIMAGEBUILDWARMUP";
  process.env.AWS_SECRET_ACCESS_KEY = "image-build-warm-up";
  delete process.env.AWS_SESSION_TOKEN;
  // The settings the agent refuses to start without; the warm-up model answers any model id.
  process.env.MODEL_ID ||= "warm-up";
  process.env.AWS_REGION ||= "us-east-1";
}

/**
 * When the cache is written: after a first answer (the image), or as soon as /ping answers
 * (`--write-code-cache=ping`, the image's earlier step, which the bench compares it with).
 */
export type CacheMoment = "answer" | "ping";

export async function writeCodeCache(bundle: LoadedBundle, moment: CacheMoment): Promise<void> {
  const model = await startWarmUpModel();
  warmUpEnvironment(model.endpoint);
  bundle.run();
  const base = `http://127.0.0.1:${process.env.PORT || "8080"}`;
  await untilPingAnswers(`${base}/ping`);
  if (moment === "answer") {
    await askOneQuestion(`${base}/invocations`);
    if (model.answered !== 1) {
      throw new Error(`the warm-up model answered ${model.answered} requests, not 1`);
    }
  }
  await model.close();
  const bytes = bundle.writeCache();
  const after = moment === "answer" ? "/ping and one answer" : "/ping";
  console.log(`wrote ${bundle.cacheFile} (${bytes} bytes) after ${after}`);
  process.exit(0);
}

async function untilPingAnswers(url: string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the agent did not answer ${url} within ${READY_WITHIN_MS / 1000} s`);
}

/** One question, as the proxy asks it; the answer must be the warm-up model's, then `done`. */
async function askOneQuestion(url: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      [SESSION_HEADER]: SESSION_ID,
    },
    body: JSON.stringify({ prompt: "Are you ready?" }),
    signal: AbortSignal.timeout(READY_WITHIN_MS),
  });
  const body = await response.text();
  const answered =
    response.status === 200 &&
    body.includes(`data: ${JSON.stringify({ text: WARM_UP_ANSWER })}`) &&
    /^event: done$/m.test(body);
  if (!answered) {
    throw new Error(`the warm-up question got no answer (status ${response.status}):\n${body}`);
  }
}
