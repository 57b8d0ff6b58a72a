// Example tool: the current date and time in a time zone. Small on purpose; it exists to show
// the tool events of the protocol end to end (the model asks, the agent runs it, the model answers).
import { tool } from "@strands-agents/sdk";
import { z } from "zod";

export const currentTime = tool({
  name: "current_time",
  description:
    "Returns the current date and time in an IANA time zone. " +
    "Use it whenever the user asks for the time or date somewhere.",
  inputSchema: z.object({
    timezone: z
      .string()
      .default("UTC")
      .describe("IANA time zone name such as Europe/Paris or America/New_York; defaults to UTC"),
  }),
  callback: ({ timezone }) => {
    let formatter: Intl.DateTimeFormat;
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone: timezone,
        dateStyle: "full",
        timeStyle: "long",
      });
    } catch {
      // A thrown error becomes an error tool result the model can read and recover from.
      throw new Error(`Unknown time zone "${timezone}". Use an IANA name such as Europe/Paris.`);
    }
    const now = new Date();
    return {
      timezone: formatter.resolvedOptions().timeZone,
      iso: now.toISOString(),
      local: formatter.format(now),
    };
  },
});
