// The built agent against its own ConverseStream stand-in, for a whole describe block: started
// before its tests, the stand-in's script cleared before each, the agent's last output printed
// after a failed one, and both stopped at the end.
import { agentEnv, startAgent, type AgentProcess } from "./agent-process.js";
import { BedrockStandin } from "./bedrock-standin.js";

export interface AgentWithModel {
  readonly standin: BedrockStandin;
  readonly agent: AgentProcess;
}

/** Prints the agent's last 40 lines of output, for a test that failed. */
export function printOutputTail(agent: AgentProcess): void {
  console.log(`--- agent output ---\n${agent.output().split("\n").slice(-40).join("\n")}`);
}

/** Registers the block's hooks; read `standin` and `agent` inside its tests. */
export function agentWithModel(env: Record<string, string> = {}): AgentWithModel {
  let standin: BedrockStandin | undefined;
  let agent: AgentProcess | undefined;

  before(async function () {
    standin = await BedrockStandin.start();
    agent = await startAgent(agentEnv(standin.endpoint, env));
  });

  after(async function () {
    await agent?.stop();
    await standin?.close();
  });

  beforeEach(function () {
    standin!.reset();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && agent !== undefined) printOutputTail(agent);
  });

  return {
    get standin() {
      return standin!;
    },
    get agent() {
      return agent!;
    },
  };
}
