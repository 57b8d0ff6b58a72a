// `node main.mjs --write-code-cache`: the image build's last step. Starts the agent, waits until
// it answers GET /ping, then writes the code cache of everything compiled by then and exits.
// It runs in the image's own runtime stage (linux/arm64, the image's Node.js and flags), since V8
// only accepts a cache made by the same version with the same flags.
import type { LoadedBundle } from "./code-cache.js";

/** The settings the agent refuses to start without. Placeholders: the warm-up calls no model. */
const PLACEHOLDERS: Record<string, string> = { MODEL_ID: "warm-up", AWS_REGION: "us-east-1" };
/** Generous: the build may run under arm64 emulation on an x86 machine. */
const READY_WITHIN_MS = 120_000;

export async function writeCodeCache(bundle: LoadedBundle): Promise<void> {
  for (const [name, value] of Object.entries(PLACEHOLDERS)) process.env[name] ||= value;
  bundle.run();
  await untilPingAnswers(`http://127.0.0.1:${process.env.PORT || "8080"}/ping`);
  const bytes = bundle.writeCache();
  console.log(`wrote ${bundle.cacheFile} (${bytes} bytes)`);
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
