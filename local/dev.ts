import { parseArgs } from "node:util";
import { PortInUseError } from "./apigw-local";
import {
  chooseLambdaHost,
  DEFAULT_API_KEY,
  DevStackError,
  startDevStack,
  type LambdaHostChoice,
  type ModelMode,
} from "./dev-stack";
import { ricAvailable } from "./ric-host";

/**
 * `npm run dev`: the whole chain on this machine (see dev-stack.ts). Ctrl-C stops everything.
 *
 * Ports: --port / PORT (the API, default 3000), --agent-port / AGENT_PORT (8080),
 * --agentcore-port / AGENTCORE_PORT (9000), --model-port / MODEL_PORT (0 = any free port).
 * --bedrock or DEV_MODEL=bedrock uses Amazon Bedrock with this machine's AWS credentials.
 * --api-key / API_KEY (default local-dev-key), --host / HOST (default 127.0.0.1).
 * --lambda-host / LAMBDA_HOST: auto (default), ric or in-process; what runs the proxy bundle.
 */

const COLORS: Record<string, string> = {
  dev: "1",
  build: "90",
  apigw: "36",
  proxy: "35",
  agentcore: "33",
  agent: "32",
  model: "34",
};
const tty = process.stdout.isTTY === true;

const rawWrite = process.stdout.write.bind(process.stdout);

function log(source: string, line: string): void {
  const tag = `[${source}]`.padEnd(12);
  rawWrite(`${tty ? `\x1b[${COLORS[source] ?? "0"}m${tag}\x1b[0m` : tag} ${line}\n`);
}

/**
 * Only for the in-process host: the proxy then runs in this process and its Powertools logger
 * writes JSON lines straight to stdout, so everything written to stdout other than through log()
 * is the proxy's, and gets its prefix. (Under the runtime interface client the proxy's output
 * comes from its child processes, already as log("proxy", …).)
 */
function prefixProxyOutput(): void {
  let rest = "";
  process.stdout.write = ((chunk: string | Uint8Array, ...args: unknown[]): boolean => {
    rest += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) if (line.trim() !== "") log("proxy", line);
    const callback = args.find((a) => typeof a === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
}

function port(
  flag: string | undefined,
  env: string | undefined,
  fallback: number,
  name: string,
): number {
  const raw = flag ?? env;
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new DevStackError(`${name} must be a port number (got ${JSON.stringify(raw)})`);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "agent-port": { type: "string" },
      "agentcore-port": { type: "string" },
      "model-port": { type: "string" },
      host: { type: "string" },
      "api-key": { type: "string" },
      bedrock: { type: "boolean" },
      "model-id": { type: "string" },
      "lambda-host": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        "npm run dev -- [--port 3000] [--agent-port 8080] [--agentcore-port 9000] [--model-port 0]",
        "               [--host 127.0.0.1] [--api-key local-dev-key] [--bedrock] [--model-id ID]",
        "               [--lambda-host auto|ric|in-process]",
        "Env: PORT, AGENT_PORT, AGENTCORE_PORT, MODEL_PORT, HOST, API_KEY, DEV_MODEL=bedrock, MODEL_ID,",
        "     LAMBDA_HOST",
        "",
      ].join("\n"),
    );
    return;
  }
  const env = process.env;
  const model: ModelMode = values.bedrock || env.DEV_MODEL === "bedrock" ? "bedrock" : "offline";
  const gatewayPort = port(values.port, env.PORT, 3000, "--port / PORT");
  const lambdaHost = lambdaHostChoice(values["lambda-host"] ?? env.LAMBDA_HOST);
  const options = {
    host: values.host ?? env.HOST ?? "127.0.0.1",
    gatewayPort,
    agentPort: port(values["agent-port"], env.AGENT_PORT, 8080, "--agent-port / AGENT_PORT"),
    agentcorePort: port(
      values["agentcore-port"],
      env.AGENTCORE_PORT,
      9000,
      "--agentcore-port / AGENTCORE_PORT",
    ),
    modelPort: port(values["model-port"], env.MODEL_PORT, 0, "--model-port / MODEL_PORT"),
    apiKey: values["api-key"] ?? env.API_KEY ?? DEFAULT_API_KEY,
    model,
    modelId: values["model-id"] ?? env.MODEL_ID,
    lambdaHost,
    log,
  };

  portNames = {
    [options.gatewayPort]: "the API port: --port / PORT",
    [options.agentPort]: "the agent port: --agent-port / AGENT_PORT",
    [options.agentcorePort]: "the AgentCore stand-in port: --agentcore-port / AGENTCORE_PORT",
    [options.modelPort]: "the model stand-in port: --model-port / MODEL_PORT",
  };
  if (chooseLambdaHost(lambdaHost).kind === "in-process") prefixProxyOutput();
  log("dev", `starting (model: ${model === "offline" ? "OFFLINE stand-in" : "Amazon Bedrock"})…`);
  const stack = await startDevStack(options);
  const banner = [
    "",
    "  agentcore-stream local stack",
    `  page + API   ${stack.gatewayUrl}/        (POST /invoke, POST /sessions/{id}/cancel, DELETE /sessions/{id})`,
    `  API key      ${stack.apiKey}            (header x-api-key; missing/wrong → 403)`,
    model === "offline"
      ? `  model        OFFLINE: deterministic ConverseStream stand-in on ${stack.modelUrl} (no AWS call, canned answers)`
      : `  model        Amazon Bedrock ${stack.modelId} with this machine's AWS credentials (real calls, real cost)`,
    `  agent        ${stack.agentUrl}  (agent/dist/main.cjs, pid ${stack.agent().child.pid})`,
    `  agentcore    ${stack.agentcoreUrl}  (data-plane stand-in: SigV4 checked, forwards to the agent)`,
    ...proxyBanner(stack.lambdaHost),
    "",
    `  try: curl --no-buffer -H 'x-api-key: ${stack.apiKey}' -H 'content-type: application/json' \\`,
    `         -d '{"prompt":"Hello"}' ${stack.gatewayUrl}/invoke`,
    "  Ctrl-C stops everything.",
    "",
  ];
  for (const line of banner) log("dev", line);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log("dev", "forced exit");
      process.exit(1);
    }
    stopping = true;
    log("dev", `${signal}: stopping…`);
    stack.stop().then(
      () => {
        log("dev", "stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log("dev", `error while stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  void stack.agent().exited.then((code) => {
    if (!stopping)
      log("dev", `the agent exited (code ${code}); invocations now fail with an upstream error`);
  });
}

function lambdaHostChoice(raw: string | undefined): LambdaHostChoice {
  if (raw === undefined || raw === "") return "auto";
  if (raw === "auto" || raw === "ric" || raw === "in-process") return raw;
  throw new DevStackError(
    `--lambda-host / LAMBDA_HOST must be auto, ric or in-process (got ${JSON.stringify(raw)})`,
  );
}

function proxyBanner(host: { kind: "ric" | "in-process"; reason?: string }): string[] {
  if (host.kind === "ric") {
    return [
      "  proxy        dist/handler/index.js under the genuine Node.js runtime interface client",
      "               (aws-lambda-ric child processes on a loopback Lambda Runtime API)",
    ];
  }
  return [
    "  proxy        dist/handler/index.js in the in-process Lambda host (same wire behaviour,",
    "               but not the genuine runtime interface client)",
    `               because: ${host.reason ?? "-"}`,
    ...(ricAvailable().ok
      ? ["               for the genuine one: --lambda-host ric (or auto)"]
      : [
          "               for the genuine one: apt-get install autoconf automake libtool cmake && npm ci",
        ]),
  ];
}

let portNames: Record<number, string> = {};

main().catch((err: unknown) => {
  if (err instanceof PortInUseError) {
    const which = portNames[err.port] ?? "a port";
    log(
      "dev",
      `error: ${err.message} (${which}). Stop what uses it or pick another port, e.g. PORT=3001 npm run dev, or the flags --port / --agent-port / --agentcore-port / --model-port.`,
    );
  } else if (err instanceof DevStackError) {
    log("dev", `error: ${err.message}`);
  } else {
    log("dev", `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  process.exit(1);
});
