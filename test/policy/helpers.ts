import * as assert from "node:assert/strict";
// The pack's own copy of @pulumi/policy (the root has none): the same module instance the
// policies use, so its proxy and error classes are the ones they see.
import * as policySdk from "../../policy/node_modules/@pulumi/policy";
import type {
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "../../policy/node_modules/@pulumi/policy";
import { policies } from "../../policy/pack";
import { isDeferral, isUnknownValueError, UNKNOWN_SENTINEL } from "../../policy/lib/values";
import {
  CheckResource,
  PolicyInfo,
  PolicyPackConfigFile,
  resolvePolicyConfig,
  toWire,
} from "../../policy/check";

/** @pulumi/policy's unknown-checking proxy: exported at run time, missing from its type declarations. */
const unknownCheckingProxy = (policySdk as unknown as { unknownCheckingProxy: <T>(value: T) => T })
  .unknownCheckingProxy;

/**
 * Builds complete `ResourceValidationArgs` / `StackValidationArgs` the way @pulumi/policy's
 * analyzer server does (props behind its unknown-checking proxy, stack tags, config,
 * `notApplicable`), and runs one policy on them without starting the analyzer.
 */

/** A property the engine does not know during preview (the wire sentinel). */
export const COMPUTED = UNKNOWN_SENTINEL;

export const STACK = "dev";
export const PROJECT = "policy-tests";

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

export interface TestResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  urn?: string;
  parent?: string;
  /** URNs this resource depends on. */
  dependencies?: string[];
  /** URNs each property depends on, as the engine sends them to AnalyzeStack. */
  propertyDependencies?: Record<string, string[]>;
}

export function resource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<Omit<TestResource, "type" | "name" | "props">> = {},
): TestResource {
  return { type, name, props, urn: urnOf(type, name), ...extra };
}

export interface RunOptions {
  config?: Record<string, unknown>;
  stackTags?: Record<string, string>;
}

export interface Outcome {
  violations: string[];
  /** URNs the violations were reported against (stack policies). */
  urns: (string | undefined)[];
  /** The reason the policy marked itself not applicable, if it did. */
  notApplicable?: string;
  /** Set when the policy read an unknown value without handling it (the server's "can't run"). */
  unhandledUnknown?: string;
}

/**
 * What an "accepts" test asserts, so that it can fail: the policy ran to the end on what it
 * accepts (no violation, not "not applicable", no unknown it tripped on), and a near miss (the same
 * input with the one value the policy decides on made wrong) draws a violation. Without the near
 * miss, a policy that silently skipped what it should check (an `if (!found) continue;`) would
 * pass every accepts test.
 */
export function assertAccepts(accepted: Outcome, nearMiss: Outcome): void {
  assert.deepEqual(accepted.violations, []);
  assert.equal(accepted.notApplicable, undefined, "the policy did not apply");
  assert.equal(accepted.unhandledUnknown, undefined);
  assert.ok(
    nearMiss.violations.length > 0,
    "the near miss drew no violation: the policy did not look at what the test accepts",
  );
}

/** The policy waited for `pulumi up`: no violation now, and the reason says so. */
export function assertDeferred(outcome: Pick<Outcome, "violations" | "notApplicable">): void {
  assert.deepEqual(outcome.violations, []);
  assert.match(outcome.notApplicable ?? "", /not known during preview.*pulumi up/);
}

class NotApplicable extends Error {
  constructor(public readonly reason: string | undefined) {
    super(reason ?? "not applicable");
  }
}

function options(parent?: string): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(parent ? { parent } : {}),
  };
}

function typeOf(resourceClass: unknown): string | undefined {
  return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

function tags(stackTags: Record<string, string> = {}): ReadonlyMap<string, string> {
  return new Map(Object.entries({ "pulumi:project": PROJECT, ...stackTags }));
}

/**
 * What a resource's validation args and a stack's resource share: props behind the proxy, urn,
 * options and the type tests. `AsType` is the caller's `asType` signature (they differ).
 */
function resourceFields<AsType>(r: TestResource) {
  const props = unknownCheckingProxy(structuredClone(r.props)) as Record<string, unknown>;
  return {
    type: r.type,
    props,
    urn: r.urn ?? urnOf(r.type, r.name),
    name: r.name,
    opts: options(r.parent),
    isType: (cls: unknown) => typeOf(cls) === r.type,
    asType: ((cls: unknown) => (typeOf(cls) === r.type ? props : undefined)) as AsType,
  };
}

export function resourceArgs(r: TestResource, opts: RunOptions = {}): ResourceValidationArgs {
  return {
    ...resourceFields<ResourceValidationArgs["asType"]>(r),
    stackTags: tags(opts.stackTags),
    getConfig: <T extends object>() => (opts.config ?? {}) as T,
    notApplicable,
  };
}

export function stackArgs(resources: TestResource[], opts: RunOptions = {}): StackValidationArgs {
  const built = resources.map((r): PolicyResource => ({
    ...resourceFields<PolicyResource["asType"]>(r),
    dependencies: [],
    propertyDependencies: {},
  }));
  const byUrn = new Map(built.map((b) => [b.urn, b]));
  resources.forEach((r, i) => {
    const b = built[i];
    const lookup = (urns: string[] = []) =>
      urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    b.dependencies = lookup(r.dependencies);
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      b.propertyDependencies[k] = lookup(urns);
    }
    if (r.parent && byUrn.has(r.parent)) {
      b.parent = byUrn.get(r.parent);
    }
  });
  return {
    resources: built,
    stackTags: tags(opts.stackTags),
    getConfig: <T extends object>() => (opts.config ?? {}) as T,
    notApplicable,
  };
}

async function capture(
  run: (report: (message: string, urn?: string) => void) => unknown,
): Promise<Outcome> {
  const outcome: Outcome = { violations: [], urns: [] };
  try {
    await run((message, urn) => {
      outcome.violations.push(message);
      outcome.urns.push(urn);
    });
  } catch (e) {
    if (e instanceof NotApplicable) {
      outcome.notApplicable = e.reason ?? "";
    } else if (isUnknownValueError(e)) {
      outcome.unhandledUnknown = e.message;
    } else {
      throw e;
    }
  }
  return outcome;
}

export function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return "validateResource" in p && p.validateResource !== undefined;
}

export function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return "validateStack" in p && typeof (p as StackValidationPolicy).validateStack === "function";
}

export async function runResource(
  policy: ResourceValidationPolicy,
  r: TestResource,
  opts: RunOptions = {},
): Promise<Outcome> {
  const validations = [policy.validateResource ?? []].flat();
  return capture(async (report) => {
    for (const validate of validations) {
      await validate(resourceArgs(r, opts), report);
    }
  });
}

export async function runStack(
  policy: StackValidationPolicy,
  resources: TestResource[],
  opts: RunOptions = {},
): Promise<Outcome> {
  return capture((report) => policy.validateStack(stackArgs(resources, opts), report));
}

export interface Finding {
  policy: string;
  level: string;
  resource: string;
  message: string;
}

/** A policy that waited for `pulumi up` on a resource, because a value it needs is computed. */
export interface Deferral {
  policy: string;
  resource: string;
  reason: string;
}

export interface PackRun {
  findings: Finding[];
  deferred: Deferral[];
}

/** A resource as test/support's runProgram captures it: the shape the pack's checker takes. */
export type Captured = CheckResource;

/**
 * What the analyzer sees of a captured program: each resource's inputs for resource policies
 * (Analyze), its outputs over its inputs for stack policies (AnalyzeStack), unknowns as the wire
 * sentinel.
 */
export function fromCaptured(captured: readonly Captured[]): {
  resources: TestResource[];
  stack: TestResource[];
} {
  const view = (c: Captured, props: Record<string, unknown>): TestResource => ({
    type: c.type,
    name: c.name,
    urn: c.urn,
    props: toWire(props) as Record<string, unknown>,
    parent: c.parent || undefined,
    dependencies: c.dependencies ?? [],
    propertyDependencies: c.propertyDependencies,
  });
  return {
    resources: captured.map((c) => view(c, c.inputs)),
    stack: captured.map((c) => view(c, { ...c.inputs, ...c.outputs })),
  };
}

/**
 * A captured update run as a real `pulumi preview` of a new stack would see it: every value the
 * provider computes (ARNs, ids, generated names: the mocks' `<name>-<10 hex>` ids) is unknown,
 * and so is every input built from one, whole, as the engine marks a string interpolated from an
 * unknown. Mocks, unlike the engine, know these values at preview; this takes them away again.
 */
export function asRealPreview(captured: readonly Captured[]): Captured[] {
  const computed = new Set<string>();
  const collect = (value: unknown) => {
    if (typeof value === "string") {
      for (const m of value.matchAll(/-([0-9a-f]{10})(?![0-9a-f])/g)) computed.add(m[1]);
    } else if (value && typeof value === "object") {
      Object.values(value).forEach(collect);
    }
  };
  for (const c of captured) {
    for (const [k, v] of Object.entries(c.outputs)) {
      if (!(k in c.inputs)) collect(v);
    }
  }
  const taint = (value: unknown): unknown => {
    if (typeof value === "string") {
      const hits = [...value.matchAll(/-([0-9a-f]{10})(?![0-9a-f])/g)].some((m) =>
        computed.has(m[1]),
      );
      return hits ? COMPUTED : value;
    }
    if (Array.isArray(value)) return value.map(taint);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, taint(v)]));
    }
    return value;
  };
  return captured.map((c) => {
    const inputs = taint(c.inputs) as Record<string, unknown>;
    const outputs = Object.fromEntries(
      Object.keys(c.outputs).map((k) => [k, k in c.inputs ? inputs[k] : COMPUTED]),
    );
    return { ...c, inputs, outputs };
  });
}

/** The pack's policies as the analyzer describes them, for `resolvePolicyConfig`. */
export const policyInfos: PolicyInfo[] = policies.map((p) => ({
  name: p.name,
  description: p.description,
  enforcementLevel: p.enforcementLevel ?? "advisory",
  configSchema: p.configSchema
    ? {
        properties: p.configSchema.properties as NonNullable<
          PolicyInfo["configSchema"]
        >["properties"],
        required: p.configSchema.required ?? [],
      }
    : undefined,
}));

/**
 * Every policy of the pack on every resource (resource policies) and on the whole stack (stack
 * policies), with a `--policy-pack-config` file applied, as the analyzer would run them.
 * Unhandled unknowns fail loudly: no policy may trip on a computed value by accident.
 */
export async function runPack(
  view: { resources: TestResource[]; stack?: TestResource[] },
  configFile: PolicyPackConfigFile = {},
): Promise<PackRun> {
  const config = resolvePolicyConfig(policyInfos, configFile);
  const stackView = view.stack ?? view.resources;
  const findings: Finding[] = [];
  const deferred: Deferral[] = [];
  for (const p of policies) {
    const { enforcementLevel: level, properties } = config.get(p.name)!;
    if (level === "disabled") continue;
    const opts = { config: properties };
    const outcomes: [string, Outcome][] = isStackPolicy(p)
      ? [["(stack)", await runStack(p, stackView, opts)]]
      : isResourcePolicy(p)
        ? await Promise.all(
            view.resources.map(async (r): Promise<[string, Outcome]> => [
              r.name,
              await runResource(p, r, opts),
            ]),
          )
        : [];
    for (const [name, outcome] of outcomes) {
      if (outcome.unhandledUnknown) {
        throw new Error(`${p.name} read an unknown value on ${name}: ${outcome.unhandledUnknown}`);
      }
      if (outcome.notApplicable && isDeferral(outcome.notApplicable)) {
        deferred.push({ policy: p.name, resource: name, reason: outcome.notApplicable });
      }
      outcome.violations.forEach((message, i) => {
        const urn = outcome.urns[i];
        const reported = urn
          ? (stackView.find((r) => (r.urn ?? urnOf(r.type, r.name)) === urn)?.name ?? urn)
          : name;
        findings.push({ policy: p.name, level, resource: reported, message });
      });
    }
  }
  return { findings, deferred };
}
