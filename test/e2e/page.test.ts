import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { PAGE } from "../../local/dev-stack";

/**
 * The page's hand-written SSE parser, run outside a browser (no Chromium here): it must give the
 * same events however the stream is cut into chunks, CRLF split across chunks included.
 */
type Parser = (onEvent: (event: string, data: string) => void) => (chunk: string) => void;

function pageParser(): Parser {
  const html = readFileSync(PAGE, "utf8");
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
  const start = script.indexOf("function sseParser");
  const end = script.indexOf("\n      }\n", start) + "\n      }\n".length;
  assert.ok(start !== -1 && end > start, "sseParser not found in the page");
  return runInNewContext(`(${script.slice(start, end)})`) as Parser;
}

describe("e2e: the web page's SSE parser", () => {
  const wire =
    'event: text\ndata: {"text":"Hel"}\n\n: keep-alive\n\n' +
    'event: text\r\ndata: {"text":"lo"}\r\n\r\n' +
    'event: tool\ndata: {"phase":"start"}\n\nevent: done\ndata: {}\n\n';
  const expected = [
    'text {"text":"Hel"}',
    'text {"text":"lo"}',
    'tool {"phase":"start"}',
    "done {}",
  ];

  for (const size of [1, 2, 3, 7, wire.length]) {
    it(`parses the stream cut into ${size}-character chunks`, () => {
      const out: string[] = [];
      const feed = pageParser()((event, data) => out.push(`${event} ${data}`));
      for (let i = 0; i < wire.length; i += size) feed(wire.slice(i, i + size));
      assert.deepEqual(out, expected);
    });
  }
});
