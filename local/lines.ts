import { createInterface } from "node:readline";

/** Calls `sink` with each non-blank line of a child process's output, as it comes. */
export function eachLine(stream: NodeJS.ReadableStream | null, sink: (line: string) => void): void {
  if (stream === null) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
    if (line.trim() !== "") sink(line);
  });
}
