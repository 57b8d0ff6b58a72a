import { runProgramFull } from "../test/support/run-program";
import { round, rounded, summarize, type Summary } from "./stats";

/**
 * Item 5: the Pulumi program (index.ts) under the test suite's mocks, each run in a fresh process
 * (test/support/run-program.ts: `node --import tsx`, so the time includes Node's start, tsx and
 * loading @pulumi/aws), and what it registers.
 */

export interface ProgramOptions {
  runs?: number;
  log?: (line: string) => void;
}

export interface ProgramResult {
  runs: number;
  wallMs: Summary;
  resources: number;
  /** Cloud resources (the rest are component resources). */
  customResources: number;
  componentResources: number;
  /** Resource count per type, largest first. */
  byType: Record<string, number>;
}

export async function measureProgram(options: ProgramOptions = {}): Promise<ProgramResult> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const times: number[] = [];
  let counts: number[] = [];
  let last: Awaited<ReturnType<typeof runProgramFull>> | undefined;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await runProgramFull();
    times.push(performance.now() - started);
    counts.push(last.resources.length);
    log(
      `program: run ${i + 1}/${runs}: ${round(times.at(-1)!, 0)} ms, ${last.resources.length} resources`,
    );
  }
  counts = [...new Set(counts)];
  if (counts.length !== 1)
    throw new Error(`the program registered ${counts.join(" or ")} resources`);
  const resources = last!.resources;
  const byType: Record<string, number> = {};
  for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    runs,
    wallMs: rounded(summarize(times), 0),
    resources: resources.length,
    customResources: resources.filter((r) => r.custom).length,
    componentResources: resources.filter((r) => !r.custom).length,
    byType: Object.fromEntries(Object.entries(byType).sort((a, b) => b[1] - a[1])),
  };
}
