/**
 * Where the proxy's logs and metrics go: set on the function by components/streamingProxy.ts
 * (Powertools reads them from its environment) and read back by the dashboard in
 * components/monitoring.ts, so a rename cannot leave a widget looking at a namespace nobody
 * writes to. The local stack and the benchmark use them too, to run the proxy as deployed.
 */
export const PROXY_SERVICE_NAME = "agentcore-stream-proxy";
export const PROXY_METRICS_NAMESPACE = "AgentcoreStream";
