// A port for a child process that must be told its port before it listens (the agent reads PORT),
// shared by the agent's tests and the root's local stack.
import { createServer } from "node:net";

/**
 * Drawn from below every common ephemeral range (Linux 32768-60999, macOS and Windows
 * 49152-65535): any outgoing connection on the machine can take an ephemeral port in the moment
 * between this probe and the child's listen, and CI once lost a run to exactly that. Probed on
 * 0.0.0.0, the address the agent binds, since a connection on another interface does not clash
 * with 127.0.0.1 but does with 0.0.0.0. A clash is still possible (another program binding the
 * same port at the same moment), so callers that pick the port retry when the child reports
 * EADDRINUSE.
 */
export async function freePort(host = "0.0.0.0"): Promise<number> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = DRAW_LOW + Math.floor(Math.random() * (DRAW_HIGH - DRAW_LOW));
    if (await isFree(port, host)) return port;
  }
  throw new Error(`no free port between ${DRAW_LOW} and ${DRAW_HIGH} on ${host} after 64 tries`);
}

const DRAW_LOW = 20_000;
const DRAW_HIGH = 32_768;

/** Whether a child's output says its listen failed because the port was taken. */
export function saysAddressInUse(output: string): boolean {
  return /EADDRINUSE/.test(output);
}

/**
 * Starts a child with `start` on a drawn port, and on a new draw when `taken(error)` says another
 * process bound the port between the probe and the child's listen; five starts at most.
 */
export async function onDrawnPort<T>(
  start: (port: number) => Promise<T>,
  taken: (error: unknown) => boolean,
  onRedraw: (error: unknown) => void = () => undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!taken(error) || attempt === 5) throw error;
      onRedraw(error);
    }
  }
}

/** Whether nothing listens on the port; rejects on any failure to probe but EADDRINUSE. */
export async function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      err.code === "EADDRINUSE" ? resolve(false) : reject(err),
    );
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
