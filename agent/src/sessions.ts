// Conversation memory per runtime session: one value (a Strands agent) per session id, kept in a
// bounded least-recently-used map, and at most one answer in progress per session.
//
// AgentCore gives every runtime session its own microVM, so in production a process rarely holds
// more than one session; the bound matters for the local stack and for anything that shares one
// process between many sessions. Memory is per process: a restarted or replaced container starts
// every conversation afresh.

export interface Lease<T> {
  readonly sessionId: string;
  readonly value: T;
  /** Ends the answer in progress. Idempotent. */
  release(): void;
}

export type Acquired<T> = { ok: true; lease: Lease<T> } | { ok: false; reason: "busy" };

interface Entry<T> {
  value: T;
  busy: boolean;
}

export interface SessionPoolOptions<T> {
  maxSessions: number;
  create: (sessionId: string) => T;
}

export class SessionPool<T> {
  // A Map iterates in insertion order; re-inserting on every use keeps the least recently used first.
  private readonly entries = new Map<string, Entry<T>>();
  private readonly maxSessions: number;
  private readonly create: (sessionId: string) => T;

  constructor(options: SessionPoolOptions<T>) {
    if (!Number.isInteger(options.maxSessions) || options.maxSessions < 1) {
      throw new RangeError("maxSessions must be a positive integer");
    }
    this.maxSessions = options.maxSessions;
    this.create = options.create;
  }

  /**
   * Claims the session for one answer. Fails with `busy` while the session is still answering:
   * a Strands agent cannot run two invocations at once, and interleaving two answers in one
   * conversation would corrupt its history.
   */
  acquire(sessionId: string): Acquired<T> {
    let entry = this.entries.get(sessionId);
    if (entry?.busy) {
      return { ok: false, reason: "busy" };
    }
    if (entry === undefined) {
      entry = { value: this.create(sessionId), busy: false };
    }
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    entry.busy = true;
    this.evict();

    const claimed = entry;
    let released = false;
    return {
      ok: true,
      lease: {
        sessionId,
        value: claimed.value,
        release: () => {
          if (released) return;
          released = true;
          claimed.busy = false;
          this.evict();
        },
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  has(sessionId: string): boolean {
    return this.entries.has(sessionId);
  }

  /**
   * Forgets least recently used idle sessions until the pool fits. A session that is answering is
   * never evicted (its answer would finish into a forgotten conversation), so while more than
   * `maxSessions` sessions answer at once the pool briefly holds more; it shrinks as they finish.
   */
  private evict(): void {
    if (this.entries.size <= this.maxSessions) return;
    for (const [sessionId, entry] of this.entries) {
      if (this.entries.size <= this.maxSessions) return;
      if (!entry.busy) this.entries.delete(sessionId);
    }
  }
}
