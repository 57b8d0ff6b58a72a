/**
 * `policy:check`: the offline equivalent of `pulumi preview --policy-pack ./policy` for a program
 * run under mocks, for pull requests without cloud credentials.
 *
 * It starts this pack exactly as the Pulumi CLI does (`node @pulumi/pulumi/cmd/run-policy-pack
 * <engine> .` in the pack's folder; the pack prints its gRPC port on stdout) and talks to it over
 * the same `pulumirpc.Analyzer` service: Handshake, GetAnalyzerInfo, ConfigureStack, Configure
 * with the policy config, Analyze once per resource (inputs), AnalyzeStack once (outputs). It then
 * prints the violations the way the CLI does and fails on a mandatory one.
 *
 * Used as a library by the tests, and as a command:
 *   tsx policy/check.ts --runner test/support/run-program.ts [--stack dev]... [--preview]
 *   tsx policy/check.ts --resources captured.json [--config policy/config/dev.json]
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { isDeferral, UNKNOWN_SENTINEL } from "./lib/values";

/** A resource as a program run under mocks captured it (the shape of test/support's runProgram). */
export interface CheckResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent?: string;
  provider?: string;
  /** URNs this resource depends on. */
  dependencies?: string[];
  /** URNs each input property depends on, when the runner records them. */
  propertyDependencies?: Record<string, string[]>;
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** A `--policy-pack-config` file: policy name (or `all`) to a level, or to a level and properties. */
export type PolicyPackConfigFile = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

export interface Diagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
}

export interface NotApplicable {
  policyName: string;
  urn?: string;
  reason: string;
}

export interface PolicyInfo {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  configSchema?: {
    properties: Record<string, { type?: unknown; default?: unknown }>;
    required: string[];
  };
}

export interface AnalysisResult {
  packName: string;
  packVersion: string;
  diagnostics: Diagnostic[];
  notApplicable: NotApplicable[];
}

export interface StackContext {
  stack?: string;
  project?: string;
  organization?: string;
  /** `true` for a preview: the pack sees the same dry-run flag `pulumi preview` sets. */
  dryRun?: boolean;
  tags?: Record<string, string>;
}

const LEVEL_CODES: Record<EnforcementLevel, analyzerProto.EnforcementLevel> = {
  advisory: analyzerProto.EnforcementLevel.ADVISORY,
  mandatory: analyzerProto.EnforcementLevel.MANDATORY,
  remediate: analyzerProto.EnforcementLevel.REMEDIATE,
  disabled: analyzerProto.EnforcementLevel.DISABLED,
};
/** The inverse of `LEVEL_CODES`. */
const LEVELS = new Map<analyzerProto.EnforcementLevel, EnforcementLevel>(
  (Object.keys(LEVEL_CODES) as EnforcementLevel[]).map((level) => [LEVEL_CODES[level], level]),
);

type Unary<Req, Res> = (
  request: Req,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

function call<Req, Res>(
  method: Unary<Req, Res>,
  client: analyzerRpc.AnalyzerClient,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    method.call(client, request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** Plain JSON for a protobuf Struct: unknowns as the engine's sentinel, no undefined, no functions. */
export function toWire(value: unknown): unknown {
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    return undefined;
  }
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return value;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : null;
  }
  if (Array.isArray(value)) {
    return value.map((v) => toWire(v) ?? null);
  }
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    // @pulumi/pulumi's `unknown` marker, as a program run under mocks records it during preview.
    if (obj.__pulumiUnknown === true) {
      return UNKNOWN_SENTINEL;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const w = toWire(v);
      if (w !== undefined) {
        out[k] = w;
      }
    }
    return out;
  }
  return undefined;
}

function struct(props: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(toWire(props) as Record<string, never>);
}

function options(parent?: string): analyzerProto.AnalyzerResourceOptions {
  const opts = new analyzerProto.AnalyzerResourceOptions();
  opts.setProtect(false);
  opts.setIgnorechangesList([]);
  opts.setAdditionalsecretoutputsList([]);
  opts.setAliasesList([]);
  opts.setCustomtimeouts(new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
  if (parent) {
    opts.setParent(parent);
  }
  return opts;
}

function readDiagnostics(
  response: analyzerProto.AnalyzeResponse,
  urn: string | undefined,
): { diagnostics: Diagnostic[]; notApplicable: NotApplicable[] } {
  return {
    diagnostics: response.getDiagnosticsList().map((d) => ({
      policyName: d.getPolicyname(),
      policyPackName: d.getPolicypackname(),
      policyPackVersion: d.getPolicypackversion(),
      description: d.getDescription(),
      message: d.getMessage(),
      enforcementLevel: LEVELS.get(d.getEnforcementlevel()) ?? "advisory",
      urn: d.getUrn() || urn,
    })),
    notApplicable: response.getNotApplicableList().map((n) => ({
      policyName: n.getPolicyName(),
      urn,
      reason: n.getReason(),
    })),
  };
}

/**
 * The effective config of every policy, as the CLI computes it from a config file: levels from the
 * file (`all` for every policy) over the pack's, properties from the file over schema defaults.
 * Unknown policies, unknown properties and mistyped values are errors, not silently ignored.
 */
export function resolvePolicyConfig(
  policies: readonly PolicyInfo[],
  file: PolicyPackConfigFile = {},
): Map<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }> {
  const known = new Set(policies.map((p) => p.name));
  for (const key of Object.keys(file)) {
    if (key !== "all" && !known.has(key)) {
      throw new Error(`Policy config names "${key}", which is not a policy of this pack.`);
    }
  }
  const levelOf = (
    entry: PolicyPackConfigFile[string] | undefined,
  ): EnforcementLevel | undefined => (typeof entry === "string" ? entry : entry?.enforcementLevel);
  const all = levelOf(file.all);
  const result = new Map<
    string,
    { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }
  >();
  for (const policy of policies) {
    const entry = file[policy.name];
    const enforcementLevel = levelOf(entry) ?? all ?? policy.enforcementLevel;
    if (!(enforcementLevel in LEVEL_CODES)) {
      throw new Error(
        `Policy config sets "${policy.name}" to an unknown enforcement level "${enforcementLevel}".`,
      );
    }
    const schema = policy.configSchema?.properties ?? {};
    const properties: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(schema)) {
      if (s.default !== undefined) {
        properties[key] = s.default;
      }
    }
    if (typeof entry === "object") {
      for (const [key, value] of Object.entries(entry)) {
        if (key === "enforcementLevel") {
          continue;
        }
        const s = schema[key];
        if (!s) {
          throw new Error(
            `Policy config sets "${policy.name}.${key}", which the policy does not take.`,
          );
        }
        const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
        const expected = s.type === "integer" ? "number" : s.type;
        if (typeof expected === "string" && expected !== type) {
          const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
          throw new Error(
            `Policy config sets "${policy.name}.${key}" to ${article(type)}; it takes ${article(expected)}.`,
          );
        }
        properties[key] = value;
      }
    }
    for (const key of policy.configSchema?.required ?? []) {
      if (properties[key] === undefined) {
        throw new Error(`Policy config must set "${policy.name}.${key}".`);
      }
    }
    result.set(policy.name, { enforcementLevel, properties });
  }
  return result;
}

/** A running policy pack, started the way the Pulumi CLI starts one. */
export class PolicyPackAnalyzer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerRpc.AnalyzerClient,
    readonly packDir: string,
    readonly packName: string,
    readonly packVersion: string,
    readonly policies: PolicyInfo[],
  ) {}

  /** Starts the pack in `packDir` (its dependencies installed) and connects to it. */
  static async start(packDir: string, timeoutMs = 120_000): Promise<PolicyPackAnalyzer> {
    const dir = path.resolve(packDir);
    if (!existsSync(path.join(dir, "PulumiPolicy.yaml"))) {
      throw new Error(`${dir} is not a policy pack: it has no PulumiPolicy.yaml.`);
    }
    // What the CLI's `pulumi-analyzer-policy` plugin runs: the pack's own copy of the SDK's
    // policy-pack runner, with the engine address and the pack's folder ("."), in that folder.
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env },
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => {
        child.kill();
        reject(
          new Error(`The policy pack did not print its port within ${timeoutMs} ms.\n${stderr}`),
        );
      }, timeoutMs);
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^\s*(\d+)\s*$/m.exec(stdout);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(
          new Error(`The policy pack exited (code ${code}) before it served.\n${stderr}${stdout}`),
        );
      });
    });
    const client = new analyzerRpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
      {
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
        "grpc.max_send_message_length": 400 * 1024 * 1024,
      },
    );
    try {
      await PolicyPackAnalyzer.handshake(client, dir);
      const info = await call<Empty, analyzerProto.AnalyzerInfo>(
        client.getAnalyzerInfo,
        client,
        new Empty(),
      );
      const policies = info.getPoliciesList().map((p) => {
        const schema = p.getConfigschema();
        return {
          name: p.getName(),
          description: p.getDescription(),
          enforcementLevel: LEVELS.get(p.getEnforcementlevel()) ?? "advisory",
          configSchema: schema
            ? {
                properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<
                  string,
                  { type?: unknown; default?: unknown }
                >,
                required: schema.getRequiredList(),
              }
            : undefined,
        };
      });
      return new PolicyPackAnalyzer(
        child,
        client,
        dir,
        info.getName(),
        info.getVersion(),
        policies,
      );
    } catch (e) {
      client.close();
      child.kill();
      throw e;
    }
  }

  /** The CLI offers a handshake first; packs that predate it answer UNIMPLEMENTED. */
  private static async handshake(client: analyzerRpc.AnalyzerClient, dir: string): Promise<void> {
    const request = new analyzerProto.AnalyzerHandshakeRequest();
    request.setEngineAddress("127.0.0.1:0");
    request.setRootDirectory(dir);
    request.setProgramDirectory(dir);
    try {
      await call<analyzerProto.AnalyzerHandshakeRequest, analyzerProto.AnalyzerHandshakeResponse>(
        client.handshake,
        client,
        request,
      );
    } catch (e) {
      if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) {
        throw e;
      }
    }
  }

  /** Runs every policy on `resources`: Analyze per resource, then AnalyzeStack once. */
  async analyze(
    resources: readonly CheckResource[],
    config: PolicyPackConfigFile = {},
    stack: StackContext = {},
  ): Promise<AnalysisResult> {
    const stackRequest = new analyzerProto.AnalyzerStackConfigureRequest();
    stackRequest.setStack(stack.stack ?? "dev");
    stackRequest.setProject(stack.project ?? "");
    stackRequest.setOrganization(stack.organization ?? "organization");
    stackRequest.setDryRun(stack.dryRun ?? true);
    for (const [k, v] of Object.entries(stack.tags ?? {})) {
      stackRequest.getTagsMap().set(k, v);
    }
    await call<
      analyzerProto.AnalyzerStackConfigureRequest,
      analyzerProto.AnalyzerStackConfigureResponse
    >(this.client.configureStack, this.client, stackRequest);

    const configRequest = new analyzerProto.ConfigureAnalyzerRequest();
    for (const [name, c] of resolvePolicyConfig(this.policies, config)) {
      const pc = new analyzerProto.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_CODES[c.enforcementLevel]);
      pc.setProperties(struct(c.properties));
      configRequest.getPolicyconfigMap().set(name, pc);
    }
    await call<analyzerProto.ConfigureAnalyzerRequest, Empty>(
      this.client.configure,
      this.client,
      configRequest,
    );

    const result: AnalysisResult = {
      packName: this.packName,
      packVersion: this.packVersion,
      diagnostics: [],
      notApplicable: [],
    };
    const add = (part: { diagnostics: Diagnostic[]; notApplicable: NotApplicable[] }) => {
      result.diagnostics.push(...part.diagnostics);
      result.notApplicable.push(...part.notApplicable);
    };
    for (const r of resources) {
      const request = new analyzerProto.AnalyzeRequest();
      request.setUrn(r.urn);
      request.setType(r.type);
      request.setName(r.name);
      request.setProperties(struct(r.inputs));
      request.setOptions(options(r.parent));
      add(
        readDiagnostics(
          await call<analyzerProto.AnalyzeRequest, analyzerProto.AnalyzeResponse>(
            this.client.analyze,
            this.client,
            request,
          ),
          r.urn,
        ),
      );
    }
    const stackResources = resources.map((r) => {
      const resource = new analyzerProto.AnalyzerResource();
      resource.setUrn(r.urn);
      resource.setType(r.type);
      resource.setName(r.name);
      // After an update the engine sends outputs; the inputs fill what a mock did not echo back.
      resource.setProperties(struct({ ...r.inputs, ...r.outputs }));
      resource.setOptions(options(r.parent));
      if (r.parent) {
        resource.setParent(r.parent);
      }
      resource.setDependenciesList(r.dependencies ?? []);
      for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const deps = new analyzerProto.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        resource.getPropertydependenciesMap().set(key, deps);
      }
      return resource;
    });
    const stackRequestAll = new analyzerProto.AnalyzeStackRequest();
    stackRequestAll.setResourcesList(stackResources);
    add(
      readDiagnostics(
        await call<analyzerProto.AnalyzeStackRequest, analyzerProto.AnalyzeResponse>(
          this.client.analyzeStack,
          this.client,
          stackRequestAll,
        ),
        undefined,
      ),
    );
    return result;
  }

  /** Disconnects and stops the pack's process. */
  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill();
      await exited;
    }
  }
}

/** Starts the pack, analyzes once, stops it. */
export async function analyzeResources(
  packDir: string,
  resources: readonly CheckResource[],
  config?: PolicyPackConfigFile,
  stack?: StackContext,
): Promise<AnalysisResult> {
  const analyzer = await PolicyPackAnalyzer.start(packDir);
  try {
    return await analyzer.analyze(resources, config, stack);
  } finally {
    await analyzer.close();
  }
}

export function hasMandatory(result: AnalysisResult): boolean {
  return result.diagnostics.some((d) => d.enforcementLevel === "mandatory");
}

/** Reasons of policies that waited for `pulumi up` because a value was computed. */
export function deferred(result: AnalysisResult): NotApplicable[] {
  return result.notApplicable.filter((n) => isDeferral(n.reason));
}

/** `(type: name)` for a URN, as the CLI labels a resource. */
function labelOf(urn: string | undefined, resources: readonly CheckResource[]): string {
  if (!urn) {
    return "";
  }
  const r = resources.find((x) => x.urn === urn);
  if (r) {
    return `(${r.type}: ${r.name})`;
  }
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `(${type}: ${parts[3] ?? urn})`;
}

/**
 * The violations in the layout of the Pulumi CLI's "Policies:" section:
 *
 *     Policies:
 *         ❌ pack@v1.0.0 (local: policy)
 *             - [mandatory]  policy-name  (aws:lambda/functionUrl:FunctionUrl: url)
 *               description
 *               message
 */
export function formatResult(
  result: AnalysisResult,
  resources: readonly CheckResource[],
  packLabel: string,
): string {
  const icon = hasMandatory(result) ? "❌" : result.diagnostics.length > 0 ? "⚠️" : "✅";
  const lines = [
    "Policies:",
    `    ${icon} ${result.packName}@v${result.packVersion} (local: ${packLabel})`,
  ];
  const order: Record<string, number> = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 };
  const sorted = [...result.diagnostics].sort(
    (a, b) =>
      order[a.enforcementLevel] - order[b.enforcementLevel] ||
      a.policyName.localeCompare(b.policyName),
  );
  for (const d of sorted) {
    lines.push(
      `        - [${d.enforcementLevel}]  ${d.policyName}  ${labelOf(d.urn, resources)}`.trimEnd(),
    );
    for (const line of d.message.split("\n")) {
      lines.push(`          ${line}`);
    }
  }
  return lines.join("\n");
}

function summary(result: AnalysisResult): string {
  const mandatory = result.diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
  const advisory = result.diagnostics.length - mandatory;
  const waiting = deferred(result).length;
  return `${mandatory} mandatory and ${advisory} advisory violation(s); ${waiting} check(s) wait for values known only at pulumi up.`;
}

interface CliOptions {
  packDir: string;
  runner?: string;
  resourcesFile?: string;
  stacks: string[];
  configFile?: string;
  preview: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { packDir: __dirname, stacks: [], preview: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) {
        throw new Error(`${arg} needs a value.`);
      }
      return v;
    };
    switch (arg) {
      case "--pack":
        options.packDir = path.resolve(value());
        break;
      case "--runner":
        options.runner = path.resolve(value());
        break;
      case "--resources":
        options.resourcesFile = path.resolve(value());
        break;
      case "--stack":
        options.stacks.push(value());
        break;
      case "--config":
        options.configFile = path.resolve(value());
        break;
      case "--preview":
        options.preview = true;
        break;
      case "--verbose":
        options.verbose = true;
        break;
      default:
        throw new Error(`Unknown argument ${arg}.`);
    }
  }
  if (!options.runner === !options.resourcesFile) {
    throw new Error(
      "Give either --runner <module exporting runProgram> or --resources <file.json>.",
    );
  }
  return options;
}

/** The stacks to check: given ones, else every stack that has a policy config file. */
function stacksOf(options: CliOptions): string[] {
  if (options.stacks.length > 0) {
    return options.stacks;
  }
  const dir = path.join(options.packDir, "config");
  const found = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.replace(/\.json$/, ""))
    : [];
  return found.length > 0 ? found.sort() : ["dev"];
}

function readConfig(options: CliOptions, stack: string): PolicyPackConfigFile {
  const file = options.configFile ?? path.join(options.packDir, "config", `${stack}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as PolicyPackConfigFile) : {};
}

type Runner = (options: { stack?: string; preview?: boolean }) => Promise<CheckResource[]>;

export async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  const analyzer = await PolicyPackAnalyzer.start(options.packDir);
  const packLabel = path.relative(process.cwd(), options.packDir) || ".";
  let failed = false;
  try {
    const runs: { stack: string; resources: () => Promise<CheckResource[]> }[] =
      options.resourcesFile
        ? [
            {
              stack: options.stacks[0] ?? path.basename(options.resourcesFile, ".json"),
              resources: async () =>
                JSON.parse(readFileSync(options.resourcesFile!, "utf8")) as CheckResource[],
            },
          ]
        : stacksOf(options).map((stack) => ({
            stack,
            resources: async () => {
              // eslint-disable-next-line @typescript-eslint/no-require-imports
              const runner = require(options.runner!) as { runProgram?: Runner };
              if (typeof runner.runProgram !== "function") {
                throw new Error(`${options.runner} exports no runProgram function.`);
              }
              return runner.runProgram({ stack, preview: options.preview });
            },
          }));
    for (const run of runs) {
      const resources = await run.resources();
      const result = await analyzer.analyze(resources, readConfig(options, run.stack), {
        stack: run.stack,
        dryRun: true,
      });
      console.log(
        `Stack ${run.stack}: ${resources.length} resources, ${analyzer.policies.length} policies.`,
      );
      console.log(formatResult(result, resources, packLabel));
      console.log(summary(result));
      if (options.verbose) {
        for (const n of deferred(result)) {
          console.log(
            `  waits for pulumi up: ${n.policyName} ${labelOf(n.urn, resources)}: ${n.reason}`,
          );
        }
      }
      console.log("");
      failed ||= hasMandatory(result);
    }
  } finally {
    await analyzer.close();
  }
  if (failed) {
    console.error("error: mandatory policy violations; the update would be blocked.");
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
