import { execFile } from "node:child_process";
import * as path from "node:path";
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { MockOptions } from "./mocks";
import { effectiveConfig, REPO_ROOT } from "./stack-config";

export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  /** The provider id the mocks gave it (what other resources' inputs reference). */
  id: string;
  /** false for component resources */
  custom: boolean;
  parent?: string;
  provider?: string;
  /** URNs of explicit dependencies (`dependsOn`, parent-implied ones excluded). */
  dependencies: string[];
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  outputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The captured resources of one Pulumi type token, e.g. `aws:lambda/function:Function`. */
export function ofType(resources: CapturedResource[], type: string): CapturedResource[] {
  return resources.filter((r) => r.type === type);
}

export interface ProgramRun {
  resources: CapturedResource[];
  /** Stack outputs (empty in preview runs, where they may be unknown). */
  exports: Record<string, unknown>;
  /** Names of the stack outputs Pulumi stores as secrets. */
  secretExports: string[];
  /** Every name the program module exports, including outputs that are undefined in this run. */
  exportNames: string[];
}

export interface RunProgramOptions {
  /** Stack whose `Pulumi.<stack>.yaml` is used (default `dev`). */
  stack?: string;
  /** Overrides, `"agentcore-stream:key" -> value`, merged over Pulumi.yaml defaults and the stack file. */
  config?: Record<string, string>;
  preview?: boolean;
  /**
   * Extra resources registered after the program, e.g. a violating variant for the policy pack.
   * Sent to the child process as source text: it must not close over local variables. `program`
   * is the program module (its exports, e.g. `functionName`, are Outputs, so a resource built
   * from one depends on the program's resource as in a real stack).
   */
  extraResources?: (p: typeof pulumi, a: typeof aws, program: Record<string, unknown>) => void;
  /** Run this program module instead of index.ts. */
  program?: string;
  /** Extra environment for the program (fixtures read their variant from it). */
  env?: Record<string, string>;
  /** How the mocks answer where AWS or a provider may answer in more than one way. */
  mocks?: MockOptions;
}

/** Runs index.ts under Pulumi mocks in a fresh process and returns what it registered. */
export async function runProgramFull(options: RunProgramOptions = {}): Promise<ProgramRun> {
  const stack = options.stack ?? "dev";
  const request = {
    stack,
    config: effectiveConfig(stack, options.config),
    preview: options.preview ?? false,
    extraResources: options.extraResources?.toString(),
    program: options.program,
    mocks: options.mocks,
  };
  const child = path.join(__dirname, "program-child.ts");
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", child],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...options.env, PROGRAM_RUN: JSON.stringify(request) },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, out, err) => {
        if (error) {
          const reason =
            /PROGRAM_ERROR (.*)/.exec(err)?.[1] ?? err.trim().split("\n").slice(-5).join("\n");
          reject(new Error(reason || error.message));
        } else {
          resolve(out);
        }
      },
    );
  });
  const lastLine = stdout.trim().split("\n").pop() ?? "{}";
  return JSON.parse(lastLine) as ProgramRun;
}

export async function runProgram(options: RunProgramOptions = {}): Promise<CapturedResource[]> {
  return (await runProgramFull(options)).resources;
}
