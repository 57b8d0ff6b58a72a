/**
 * The proxy function's NODE_OPTIONS: set on the deployed function by components/streamingProxy.ts
 * and given to the proxy by the local stack and the benchmark, so what is measured is what runs.
 *
 * - `--enable-source-maps`: stack traces in the logs point into handler/src, not the minified
 *   bundle (the bundle links its map; the map carries no source text).
 * - `--max-semi-space-size=4`: caps each semi-space of V8's young generation at 4 MiB (the young
 *   generation is three semi-spaces: Node.js CLI docs, `--max-semi-space-size`). Every relayed
 *   chunk is a short-lived Buffer whose memory is freed only when the young generation is next
 *   scavenged; with Node's default semi-spaces a 200 MB relay holds tens of MB of such garbage in
 *   RSS, with the cap a few MB, at the same throughput (`npm run bench` measures both: README
 *   "Performance").
 */
export const PROXY_NODE_OPTIONS = "--enable-source-maps --max-semi-space-size=4";
