/**
 * Runs the Pulumi program once under mocks and prints what it registered as one JSON line.
 * A child process per run: the Pulumi runtime keeps global state (config, monitor, stack), so
 * separate runs in one process would leak into each other.
 *
 * Input (env PROGRAM_RUN): {stack, config, preview, extraResources?: function source, program?: path,
 * mocks?: MockOptions}.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { awsMocks, type MockOptions } from "./mocks";
import { PROJECT, REPO_ROOT } from "./stack-config";

interface RunRequest {
  stack: string;
  config: Record<string, string>;
  preview: boolean;
  extraResources?: string;
  /** Program module to run instead of index.ts (e.g. a component used on its own). */
  program?: string;
  mocks?: MockOptions;
}

interface Registration {
  type: string;
  name: string;
  urn: string;
  id: string;
  custom: boolean;
  parent: string;
  provider: string;
  dependencies: string[];
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.env.PROGRAM_RUN ?? "{}") as RunRequest;
  process.env.PULUMI_CONFIG = JSON.stringify(request.config);
  pulumi.runtime.setAllConfig(request.config);

  const region = request.config["aws:region"] ?? "us-east-1";
  const mocks = awsMocks(region, request.mocks);
  const registrations = new Map<string, Registration>();
  const pending: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      call: mocks.call,
      newResource(args) {
        const result = mocks.newResource(args) as { id: string; state: Record<string, unknown> };
        pending.push({
          type: args.type,
          name: args.name,
          urn: "",
          id: result.id,
          custom: args.custom ?? true,
          parent: "",
          provider: args.provider ?? "",
          dependencies: [],
          inputs: args.inputs as Record<string, unknown>,
          outputs: result.state,
        });
        return result;
      },
    },
    PROJECT,
    request.stack,
    request.preview,
  );

  // The mocks API hides a registration's parent and dependencies; read them off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: RegisterRequest,
      callback: (err: unknown, res: RegisterResponse) => void,
    ): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, res) => {
      if (!err && res) {
        const entry = pending.find(
          (p) => p.type === req.getType() && p.name === req.getName() && p.urn === "",
        );
        if (entry) {
          entry.urn = res.getUrn();
          entry.parent = req.getParent();
          entry.dependencies = req.getDependenciesList();
          registrations.set(entry.urn, entry);
        }
      }
      callback(err, res);
    });

  const program = (await import(request.program ?? path.join(REPO_ROOT, "index.ts"))) as Record<
    string,
    unknown
  >;
  if (request.extraResources) {
    const extra = new Function(`return (${request.extraResources});`)() as (
      p: typeof pulumi,
      a: typeof aws,
      program: Record<string, unknown>,
    ) => void;
    extra(pulumi, aws, program);
  }

  const exports: Record<string, unknown> = {};
  const secretExports: string[] = [];
  if (!request.preview) {
    for (const [key, value] of Object.entries(program)) {
      if (pulumi.Output.isInstance(value)) {
        exports[key] = await new Promise((resolve) => value.apply(resolve));
        if (await pulumi.isSecret(value)) secretExports.push(key);
      }
    }
  }
  await pulumi.runtime.disconnect();
  const run = {
    resources: [...registrations.values()],
    exports,
    secretExports,
    exportNames: Object.keys(program),
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}
interface RegisterResponse {
  getUrn(): string;
}

main().catch((error: unknown) => {
  process.stderr.write(`PROGRAM_ERROR ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
