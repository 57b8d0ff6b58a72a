import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROXY_METRICS_NAMESPACE, PROXY_SERVICE_NAME } from "../handler/telemetry";
import { dashboardNameFor } from "./naming";

export interface MonitoringArgs {
  /** The REST API's name (API Gateway metrics are keyed by name and stage). */
  apiName: pulumi.Input<string>;
  stageName: pulumi.Input<string>;
  functionName: pulumi.Input<string>;
  /** The AgentCore runtime's name, for its CloudWatch metrics. */
  runtimeName: pulumi.Input<string>;
  /** Alarms notify this SNS topic; no alarms without it. */
  alarmTopicArn?: pulumi.Input<string>;
  /** p99 latency above which the latency alarm fires (default 60000 ms: streams are long). */
  p99LatencyMs?: number;
  /** Create a dashboard (default true). */
  dashboard?: boolean;
}

/** Alarms on the API, the proxy and the runtime, and a dashboard of all three. */
export class Monitoring extends pulumi.ComponentResource {
  public readonly dashboardName: pulumi.Output<string | undefined>;
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("agentcore-stream:index:Monitoring", name, args, opts);
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const api = { ApiName: args.apiName, Stage: args.stageName };
    const fn = { FunctionName: args.functionName };
    const runtime = { Name: args.runtimeName };

    const alarms: aws.cloudwatch.MetricAlarm[] = [];
    if (args.alarmTopicArn !== undefined) {
      const alarm = (
        suffix: string,
        description: string,
        metric: Omit<
          aws.cloudwatch.MetricAlarmArgs,
          "alarmActions" | "okActions" | "evaluationPeriods" | "comparisonOperator"
        >,
      ) =>
        alarms.push(
          new aws.cloudwatch.MetricAlarm(
            `${name}-${suffix}`,
            {
              alarmDescription: description,
              comparisonOperator: "GreaterThanThreshold",
              evaluationPeriods: 1,
              treatMissingData: "notBreaching",
              alarmActions: [args.alarmTopicArn!],
              okActions: [args.alarmTopicArn!],
              ...metric,
            },
            { parent: this },
          ),
        );
      alarm("api-5xx", "The API answered 5XX errors.", {
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        dimensions: api,
        statistic: "Sum",
        period: 300,
        threshold: 0,
      });
      alarm("api-p99-latency", "The API's p99 latency is above the threshold.", {
        namespace: "AWS/ApiGateway",
        metricName: "Latency",
        dimensions: api,
        extendedStatistic: "p99",
        period: 300,
        threshold: args.p99LatencyMs ?? 60000,
      });
      alarm("proxy-errors", "The proxy Lambda failed invocations.", {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: fn,
        statistic: "Sum",
        period: 300,
        threshold: 0,
      });
      alarm("proxy-throttles", "The proxy Lambda was throttled.", {
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: fn,
        statistic: "Sum",
        period: 300,
        threshold: 0,
      });
      alarm("runtime-errors", "The AgentCore runtime reported system errors.", {
        namespace: "AWS/Bedrock-AgentCore",
        metricName: "SystemErrors",
        dimensions: runtime,
        statistic: "Sum",
        period: 300,
        threshold: 0,
      });
    }

    let dashboardName: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (args.dashboard ?? true) {
      const widget = (title: string, metrics: unknown[][], x: number, y: number) => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region, metrics, view: "timeSeries", stat: "Sum", period: 60 },
      });
      const dashboard = new aws.cloudwatch.Dashboard(
        `${name}-dashboard`,
        {
          dashboardName: dashboardNameFor(pulumi.getProject(), pulumi.getStack()),
          dashboardBody: pulumi
            .all([args.apiName, args.stageName, args.functionName, args.runtimeName, region])
            .apply(([apiName, stage, functionName, runtimeName, r]) =>
              JSON.stringify({
                widgets: [
                  widget(
                    "API requests and errors",
                    [
                      ["AWS/ApiGateway", "Count", "ApiName", apiName, "Stage", stage],
                      [".", "4XXError", ".", ".", ".", "."],
                      [".", "5XXError", ".", ".", ".", "."],
                    ],
                    0,
                    0,
                  ),
                  widget(
                    "API latency (p50, p99)",
                    [
                      [
                        "AWS/ApiGateway",
                        "Latency",
                        "ApiName",
                        apiName,
                        "Stage",
                        stage,
                        { stat: "p50" },
                      ],
                      ["...", { stat: "p99" }],
                    ],
                    12,
                    0,
                  ),
                  widget(
                    "Proxy invocations, errors, throttles",
                    [
                      ["AWS/Lambda", "Invocations", "FunctionName", functionName],
                      [".", "Errors", ".", "."],
                      [".", "Throttles", ".", "."],
                    ],
                    0,
                    6,
                  ),
                  widget(
                    "Proxy time to first byte",
                    [
                      [
                        PROXY_METRICS_NAMESPACE,
                        "TimeToFirstByte",
                        "service",
                        PROXY_SERVICE_NAME,
                        { stat: "p99" },
                      ],
                    ],
                    12,
                    6,
                  ),
                  widget(
                    "AgentCore runtime",
                    [
                      ["AWS/Bedrock-AgentCore", "Invocations", "Name", runtimeName],
                      [".", "SystemErrors", ".", "."],
                      [".", "UserErrors", ".", "."],
                    ],
                    0,
                    12,
                  ),
                ].map((w) => ({ ...w, properties: { ...w.properties, region: r } })),
              }),
            ),
        },
        { parent: this },
      );
      dashboardName = dashboard.dashboardName;
    }

    this.dashboardName = dashboardName;
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({ dashboardName: this.dashboardName, alarmNames: this.alarmNames });
  }
}
