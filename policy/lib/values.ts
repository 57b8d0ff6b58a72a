import * as policySdk from "@pulumi/policy";
import { ResourceValidationArgs } from "@pulumi/policy";

/**
 * Values a policy reads, with unknowns made explicit.
 *
 * During `pulumi preview` a property computed from another resource's output (an ARN, an id) is
 * unknown. `@pulumi/policy` wraps `args.props` in a proxy that throws `UnknownValueError` when such
 * a property is read, and turns the throw into an advisory "can't run policy during preview"
 * diagnostic: a mandatory policy that trips on an unknown does not block the preview. The policies
 * in this pack never let that happen by accident. They read properties through `resolve`, which
 * copies them into plain data with `UNKNOWN` where the engine had no value, and then decide what an
 * unknown means: most checks are decided by values that are known at preview (types, literal
 * principals, whether a property is set at all), and a check that really needs a computed value
 * says so with `deferToUp`, which marks the policy not applicable for this resource during preview.
 * The same check runs again at `pulumi up`, where every input is known before the resource is
 * created or updated.
 */

/** The engine's wire marker for a value not known until `pulumi up` (`pulumi.runtime.unknownValue`). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value the engine does not know yet. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** A property copied out of `args.props`: plain JSON data, with `UNKNOWN` where the engine had none. */
export type Resolved = null | boolean | number | string | Unknown | Resolved[] | ResolvedObject;
export interface ResolvedObject {
  [key: string]: Resolved;
}

/** Three-valued answers: `UNKNOWN` when the answer depends on a value the engine does not know yet. */
export type Tri = boolean | Unknown;

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/**
 * Reads `path` from `props` and copies the value into plain data. `undefined` means the property is
 * not set; a property that is set to a computed value reads as `UNKNOWN`. Never throws
 * `UnknownValueError`.
 */
export function resolve(props: unknown, ...path: string[]): Resolved | undefined {
  let current: unknown = props;
  for (const key of path) {
    if (current === undefined || current === null || typeof current !== "object") {
      return undefined;
    }
    const next = readKey(current as Record<string, unknown>, key);
    if (next === UNKNOWN) {
      return UNKNOWN;
    }
    current = next;
  }
  return copy(current);
}

/**
 * @pulumi/policy exports `UnknownValueError` at run time but not in its type declarations; the
 * message test covers a second copy of the SDK, whose class would fail `instanceof`.
 */
const UnknownValueError = (policySdk as unknown as { UnknownValueError?: new () => Error })
  .UnknownValueError;

/** Whether `e` is what @pulumi/policy's proxy throws when a policy reads a computed value. */
export function isUnknownValueError(e: unknown): e is Error {
  return (
    (UnknownValueError !== undefined && e instanceof UnknownValueError) ||
    (e instanceof Error && /can't be known during preview$/.test(e.message))
  );
}

function readKey(obj: Record<string, unknown>, key: string): unknown {
  try {
    const value = obj[key];
    return value === UNKNOWN_SENTINEL ? UNKNOWN : value;
  } catch (e) {
    if (isUnknownValueError(e)) {
      return UNKNOWN;
    }
    throw e;
  }
}

function copy(value: unknown): Resolved | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value === UNKNOWN || value === UNKNOWN_SENTINEL) {
    return UNKNOWN;
  }
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    return value;
  }
  if (typeof value === "string") {
    return value;
  }
  if (Array.isArray(value)) {
    const out: Resolved[] = [];
    for (let i = 0; i < value.length; i++) {
      const element = copy(readKey(value as unknown as Record<string, unknown>, String(i)));
      out.push(element === undefined ? null : element);
    }
    return out;
  }
  if (typeof value === "object") {
    const out: ResolvedObject = {};
    for (const key of Object.keys(value)) {
      const element = copy(readKey(value as Record<string, unknown>, key));
      if (element !== undefined) {
        out[key] = element;
      }
    }
    return out;
  }
  return undefined;
}

/** A known string, or `UNKNOWN`, or `undefined` for anything else (not set, or not a string). */
export function asString(value: Resolved | undefined): string | Unknown | undefined {
  return typeof value === "string" || value === UNKNOWN ? value : undefined;
}

/** A known number (numeric strings included, as the engine sends some numbers as strings). */
export function asNumber(value: Resolved | undefined): number | Unknown | undefined {
  if (value === UNKNOWN || typeof value === "number") {
    return value;
  }
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

export function isObject(value: Resolved | undefined): value is ResolvedObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string or a list of strings, as IAM writes both, as a list. */
export function asList(value: Resolved | undefined): Resolved[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** True if any answer is true; otherwise unknown if any is unknown; otherwise false. */
export function anyOf<T>(items: readonly T[], predicate: (item: T) => Tri): Tri {
  let unknown = false;
  for (const item of items) {
    const answer = predicate(item);
    if (answer === true) {
      return true;
    }
    if (answer === UNKNOWN) {
      unknown = true;
    }
  }
  return unknown ? UNKNOWN : false;
}

/** False if any answer is false; otherwise unknown if any is unknown; otherwise true. */
export function allOf<T>(items: readonly T[], predicate: (item: T) => Tri): Tri {
  let unknown = false;
  for (const item of items) {
    const answer = predicate(item);
    if (answer === false) {
      return false;
    }
    if (answer === UNKNOWN) {
      unknown = true;
    }
  }
  return unknown ? UNKNOWN : true;
}

/** `allOf` over checks run in order; the checks after a false one are not run. */
export function every(...checks: (() => Tri)[]): Tri {
  return allOf(checks, (check) => check());
}

/** What `reportEach` found: `unknown` is the first item answered `UNKNOWN` when none was reported. */
export type Reported<T> = { answer: boolean } | { answer: Unknown; unknown: T };

/**
 * Runs `check` on every item (no short cut) and reports each item it answers true. The answer is
 * `anyOf`'s: true if any was reported; otherwise unknown, naming the first unknown item, if any was
 * unknown; otherwise false. An unknown answer is for the caller to defer with `deferToUp`.
 */
export function reportEach<T>(
  items: Iterable<T>,
  check: (item: T) => Tri,
  report: (item: T) => void,
): Reported<T> {
  let found = false;
  let unknown: { item: T } | undefined;
  for (const item of items) {
    const answer = check(item);
    if (answer === true) {
      found = true;
      report(item);
    } else if (answer === UNKNOWN) {
      unknown ??= { item };
    }
  }
  return !found && unknown !== undefined
    ? { answer: UNKNOWN, unknown: unknown.item }
    : { answer: found };
}

export function not(answer: Tri): Tri {
  return answer === UNKNOWN ? UNKNOWN : !answer;
}

/**
 * Marks the policy not applicable to this resource for now, because `what` is computed and only
 * known at `pulumi up`. The policy runs again then, with every input known.
 */
export function deferToUp(
  args: Pick<ResourceValidationArgs, "notApplicable">,
  what: string,
): never {
  return args.notApplicable(
    `${what} is not known during preview; this check runs again at pulumi up, before the resource is created or updated.`,
  );
}

/** Whether a not-applicable reason is a `deferToUp` one: the check waits for `pulumi up`. */
export function isDeferral(reason: string): boolean {
  return /not known during preview.*pulumi up/.test(reason);
}
