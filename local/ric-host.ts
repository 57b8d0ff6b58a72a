import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
  DEFAULT_TIMEOUT_MS,
  functionArnOf,
  functionEnvironment,
  functionNameOf,
  Invocation,
  type Env,
  type InvocationResult,
  type InvokeOptions,
  type LambdaHost,
  type LoadOptions,
} from "./lambda-host";
import { RuntimeApi, type FunctionError, type RuntimeInvocation } from "./runtime-api";
import { eachLine } from "./lines";

/**
 * Runs a Lambda bundle under the genuine Node.js runtime interface client (npm `aws-lambda-ric`,
 * the code behind `nodejs24.x`), in child processes that poll a loopback Runtime API
 * (runtime-api.ts). What the bundle sees (the `awslambda` global, the response stream object,
 * the console, the prelude hook, error trailers) is therefore the runtime's own, not a copy.
 *
 * Like Lambda: each execution environment (one child, one Runtime API) serves one invocation at
 * a time; the pool grows when all are busy and reuses idle ones; a deadline that passes kills
 * the environment ("Task timed out"); an environment that exits is dropped and a new one starts
 * on demand. Not like Lambda: no freezing between invocations, no memory limit, and invocations
 * beyond the pool's maximum wait for an environment instead of being throttled.
 */

/** local/ric: a package of its own (see install-ric.ts for why). */
const RIC_DIR = path.join(__dirname, "ric", "node_modules", "aws-lambda-ric");
const RIC_BIN = path.join(RIC_DIR, "index.mjs");
const DEFAULT_MAX_ENVIRONMENTS = 64;
/** Lambda's limit on the init phase of an on-demand environment. */
const INIT_TIMEOUT_MS = 10_000;
/**
 * After a failed stream the client asks for the next invocation at once, while the failed
 * answer may still be on its way on the other connection.
 */
const LATE_ANSWER_GRACE_MS = 1_000;

export type RicAvailability = { ok: true } | { ok: false; reason: string };

/** Whether the genuine runtime interface client is installed and its native part built. */
export function ricAvailable(dir: string = RIC_DIR): RicAvailability {
  const bin = path.join(dir, "index.mjs");
  const native = path.join(dir, "rapid-client.node");
  if (!existsSync(bin)) {
    return { ok: false, reason: `aws-lambda-ric is not installed (${bin} is missing)` };
  }
  if (!existsSync(native)) {
    return {
      ok: false,
      reason: `aws-lambda-ric's native client was not built (${native} is missing)`,
    };
  }
  return { ok: true };
}

export interface RicHostOptions extends LoadOptions {
  /** Most environments running at once; default 64. */
  maxEnvironments?: number;
  /** Each line an environment writes to stdout or stderr. */
  log?: (line: string) => void;
}

export interface EnvironmentInfo {
  readonly id: number;
  readonly pid: number | undefined;
  readonly state: "initialising" | "idle" | "busy";
  /** Invocations this environment has been given. */
  readonly invocations: number;
}

export interface RicHost extends LambdaHost {
  readonly kind: "ric";
  /** The live environments. */
  environments(): EnvironmentInfo[];
  /** Starts environments until `count` are live and waits for them to finish init. */
  warm(count?: number): Promise<void>;
  /** Kills every environment and fails what was still running. */
  dispose(): Promise<void>;
}

export class RicInitError extends Error {
  override name = "RicInitError";
  constructor(readonly error: FunctionError) {
    super(`${error.errorType}: ${error.errorMessage}`);
  }
}

interface Job {
  invocation: Invocation;
  event: unknown;
  deadlineMs: number;
  /** Set by a disconnect before an environment took the job. */
  broken?: "close" | "silent";
  run?: RuntimeInvocation;
  done: boolean;
}

/** Completes the job's invocation with `patch`, once (later calls do nothing). */
type Settle = (job: Job, patch: Partial<InvocationResult>) => void;

class Environment implements EnvironmentInfo {
  state: "initialising" | "idle" | "busy" = "initialising";
  invocations = 0;
  readonly exited: Promise<void>;
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private current: { job: Job; killedForTimeout: boolean } | undefined;
  private initTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly child: ChildProcess,
    readonly api: RuntimeApi,
    private readonly settle: Settle,
    private readonly onIdle: (env: Environment) => void,
    private readonly onExit: (env: Environment, initFailure: FunctionError | undefined) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.initTimer = setTimeout(() => {
      this.api.initError ??= { errorType: "Runtime.InitTimeout", errorMessage: "Init timed out" };
      this.kill();
    }, INIT_TIMEOUT_MS);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        clearTimeout(this.initTimer);
        this.finishExit(code, signal);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** GET /next: init is over, or the runtime is done with the invocation it had. */
  next(): void {
    if (this.state === "initialising") {
      clearTimeout(this.initTimer);
      this.resolveReady();
    }
    const current = this.current;
    this.current = undefined;
    this.state = "idle";
    if (current !== undefined && !current.job.done) {
      const settledAt = Date.now();
      void finishAnswer(current.job).then((patch) =>
        this.settle(current.job, { ...patch, handlerSettledAt: settledAt }),
      );
    }
    this.onIdle(this);
  }

  run(job: Job, options: { functionArn: string }): void {
    this.state = "busy";
    this.invocations += 1;
    const deadline = Date.now() + job.deadlineMs;
    const current = { job, killedForTimeout: false };
    this.current = current;
    const timer = setTimeout(() => {
      if (job.done) return;
      current.killedForTimeout = true;
      this.kill();
    }, job.deadlineMs);
    job.invocation.result.finally(() => clearTimeout(timer));
    job.run = this.api.enqueue({
      requestId: job.invocation.awsRequestId,
      event: job.event,
      deadline,
      invokedFunctionArn: options.functionArn,
    });
    if (job.broken !== undefined) job.run.breakConnection(job.broken);
    void job.run.answer.then((answer) => {
      if (answer.kind === "error") return;
      job.invocation.setContentType(answer.contentType);
      const body = answer.body;
      body.on("data", (chunk: Buffer) => {
        let sync = true;
        let released = false;
        job.invocation.deliver(chunk, () => {
          released = true;
          if (!sync) body.resume();
        });
        sync = false;
        if (!released) body.pause();
      });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private finishExit(code: number | null, signal: NodeJS.Signals | null): void {
    const initFailure =
      this.state === "initialising"
        ? (this.api.initError ?? exitError(code, signal, "before it finished init"))
        : undefined;
    if (initFailure !== undefined) this.rejectReady(new RicInitError(initFailure));
    const current = this.current;
    this.current = undefined;
    if (current !== undefined && !current.job.done) {
      this.settle(
        current.job,
        current.killedForTimeout
          ? {
              timedOut: true,
              error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out" },
            }
          : { error: exitError(code, signal, "during the invocation") },
      );
    }
    void this.api.close();
    this.onExit(this, initFailure);
  }
}

/** The result fields that come from the answer, once it is complete. */
async function finishAnswer(job: Job): Promise<Partial<InvocationResult>> {
  const run = job.run!;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), LATE_ANSWER_GRACE_MS);
  });
  const answer = await Promise.race([run.answer, late]);
  clearTimeout(timer);
  if (answer === undefined) return {};
  if (answer.kind === "error") return { error: brief(answer.error) };
  const end = await answer.ended;
  return end.error === undefined ? {} : { error: brief(end.error) };
}

function brief(error: FunctionError): { errorType: string; errorMessage: string } {
  return { errorType: error.errorType, errorMessage: error.errorMessage };
}

function exitError(
  code: number | null,
  signal: NodeJS.Signals | null,
  when: string,
): FunctionError {
  return {
    errorType: "Runtime.ExitError",
    errorMessage: `Runtime exited ${when} with ${signal !== null ? `signal: ${signal}` : `error: exit status ${code}`}`,
  };
}

/** Starts nothing yet: environments start on the first invocation (or `warm`). */
export function startRicHost(
  bundlePath: string,
  env: Env = {},
  options: RicHostOptions = {},
): RicHost {
  const availability = ricAvailable();
  if (!availability.ok) throw new Error(availability.reason);
  const file = path.resolve(bundlePath);
  const fullEnv = functionEnvironment(file, env, options);
  const functionArn = functionArnOf(fullEnv.AWS_REGION!, functionNameOf(options));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxEnvironments = options.maxEnvironments ?? DEFAULT_MAX_ENVIRONMENTS;
  const log = options.log ?? (() => undefined);
  const environments: Environment[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let disposed = false;

  const settle: Settle = (job, patch) => {
    if (job.done) return;
    job.done = true;
    job.invocation.complete(patch);
  };

  const pump = (): void => {
    while (!disposed && queue.length > 0) {
      const idle = environments.find((e) => e.state === "idle");
      if (idle !== undefined) {
        const job = queue.shift()!;
        if (job.done) continue;
        idle.run(job, { functionArn });
        continue;
      }
      const starting = environments.filter((e) => e.state === "initialising").length;
      if (starting >= queue.length || environments.length >= maxEnvironments) return;
      spawnEnvironment().catch((err: unknown) =>
        log(`could not start an execution environment: ${String(err)}`),
      );
    }
  };

  const spawnEnvironment = async (): Promise<Environment> => {
    const id = nextId++;
    // Counted as starting at once, so pump does not start more while this one awaits its port.
    const placeholder = { state: "initialising" } as Environment;
    environments.push(placeholder);
    let api: RuntimeApi;
    try {
      api = await RuntimeApi.start({ onNext: () => environment.next() });
    } finally {
      environments.splice(environments.indexOf(placeholder), 1);
    }
    const childEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries({
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      LAMBDA_RUNTIME_DIR: RIC_DIR,
      ...fullEnv,
      AWS_LAMBDA_RUNTIME_API: api.address,
    })) {
      if (value !== undefined) childEnv[key] = value;
    }
    // One invocation at a time per process, as nodejs24.x runs unless configured otherwise.
    delete childEnv.AWS_LAMBDA_MAX_CONCURRENCY;
    const child = spawn(process.execPath, [RIC_BIN], {
      cwd: fullEnv.LAMBDA_TASK_ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.on("error", (err) => log(`execution environment ${id}: ${String(err)}`));
    eachLine(child.stdout, log);
    eachLine(child.stderr, log);
    const environment: Environment = new Environment(
      id,
      child,
      api,
      settle,
      () => pump(),
      (env, initFailure) => {
        const at = environments.indexOf(env);
        if (at !== -1) environments.splice(at, 1);
        // An environment that cannot init fails the invocation it was started for, as Lambda
        // answers an invoke whose init failed; otherwise the pool would respawn forever.
        if (initFailure !== undefined) {
          const job = queue.shift();
          if (job !== undefined) settle(job, { error: brief(initFailure) });
        }
        pump();
      },
    );
    environments.push(environment);
    if (disposed) environment.kill();
    return environment;
  };

  return {
    kind: "ric",
    bundlePath: file,
    env: fullEnv,
    invoke(event: unknown, invokeOptions: InvokeOptions = {}): Invocation {
      const invocation = new Invocation(
        invokeOptions.awsRequestId ?? randomUUID(),
        invokeOptions.onData,
      );
      const job: Job = {
        invocation,
        event,
        deadlineMs: invokeOptions.deadlineMs ?? timeoutMs,
        done: false,
      };
      invocation.response = {
        break: (mode) => {
          if (job.run !== undefined) job.run.breakConnection(mode);
          else job.broken ??= mode;
        },
      };
      if (disposed) {
        settle(job, {
          error: { errorType: "Runtime.Disposed", errorMessage: "host disposed" },
        });
        return invocation;
      }
      queue.push(job);
      pump();
      return invocation;
    },
    environments: () =>
      environments
        .filter((e) => e instanceof Environment)
        .map((e) => ({ id: e.id, pid: e.pid, state: e.state, invocations: e.invocations })),
    async warm(count = 1) {
      const started: Promise<void>[] = [];
      while (environments.length < Math.min(count, maxEnvironments)) {
        started.push(spawnEnvironment().then((e) => e.ready));
      }
      await Promise.all(started);
    },
    async dispose() {
      disposed = true;
      for (const job of queue.splice(0)) {
        settle(job, {
          error: { errorType: "Runtime.Disposed", errorMessage: "host disposed" },
        });
      }
      const live = environments.filter((e) => e instanceof Environment);
      for (const e of live) e.kill();
      await Promise.all(live.map((e) => e.exited));
    },
  };
}
