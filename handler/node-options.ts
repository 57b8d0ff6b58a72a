/**
 * The proxy function's NODE_OPTIONS: set on the deployed function by components/streamingProxy.ts
 * and given to the proxy by the local stack and the benchmark, so what is measured is what runs.
 *
 * - `--max-semi-space-size=4`: caps each semi-space of V8's young generation at 4 MiB (the young
 *   generation is three semi-spaces: Node.js CLI docs, `--max-semi-space-size`). Every relayed
 *   chunk is a short-lived Buffer whose memory is freed only when the young generation is next
 *   scavenged; with Node's default semi-spaces a 200 MB relay holds tens of MB of such garbage in
 *   RSS, with the cap a few MB, at the same throughput (`npm run bench` measures both: README
 *   "Performance").
 *
 * No `--enable-source-maps`: it reads and parses the bundle's map and indexes the bundle's lines
 * at every init, and with the capped young generation the parsed map was copied again at each
 * scavenge of the init; the proxy was 1.11 times its floor's init with it. The bundle maps its
 * own stack traces instead, the first time one is formatted (handler/src/index.ts).
 */
export const PROXY_NODE_OPTIONS = "--max-semi-space-size=4";
