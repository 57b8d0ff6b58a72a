import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { eachLine } from "../local/lines";

/**
 * Child processes of the benchmark: a TypeScript module run with tsx, which announces itself with
 * one JSON line on stdout. Its stdin stays open as a lifeline: when the benchmark dies, the child
 * sees stdin end and exits, so no process is left behind.
 */

export interface Child<T> {
  readonly process: ChildProcess;
  /** The JSON line the child printed once ready. */
  readonly ready: T;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, "..");

export async function startTsChild<T>(module: string, args: string[] = []): Promise<Child<T>> {
  const child = spawn(process.execPath, ["--import", "tsx", module, ...args], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Every line is read (a chatty child never blocks on a full pipe); the first is the announcement.
  const ready = await new Promise<T>((resolve, reject) => {
    eachLine(child.stdout, (line) => {
      try {
        resolve(JSON.parse(line) as T);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`${module} exited with ${code} before it was ready`)),
    );
  });
  return {
    process: child,
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
