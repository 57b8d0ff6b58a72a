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
  /** Aborts when the answer in progress is cancelled (see `SessionPool.cancel`). */
  readonly cancelled: AbortSignal;
  /** Ends the answer in progress. Idempotent. */
  release(): void;
}

export type Acquired<T> = { ok: true; lease: Lease<T> } | { ok: false; reason: "busy" };

/** The answer in progress in a session: how to cancel it, and when it has ended. */
interface Turn {
  readonly controller: AbortController;
  readonly ended: Promise<void>;
  end(): void;
}

interface Entry<T> {
  value: T;
  turn: Turn | undefined;
}

export class TurnCancelledError extends Error {
  constructor() {
    super("The answer was cancelled");
    this.name = "TurnCancelledError";
  }
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
    if (entry?.turn !== undefined) {
      return { ok: false, reason: "busy" };
    }
    if (entry === undefined) {
      entry = { value: this.create(sessionId), turn: undefined };
    }
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    const turn = newTurn();
    entry.turn = turn;
    this.evict();

    const claimed = entry;
    return {
      ok: true,
      lease: {
        sessionId,
        value: claimed.value,
        cancelled: turn.controller.signal,
        release: () => {
          if (claimed.turn !== turn) return;
          claimed.turn = undefined;
          turn.end();
          this.evict();
        },
      },
    };
  }

  /**
   * Cancels the answer in progress in the session, if there is one, and waits (up to `waitMs`)
   * for it to end, so that once this resolves the session takes its next turn instead of
   * answering `busy`. Resolves whether an answer was in progress. Never claims the session: a
   * cancel is never refused as busy.
   */
  async cancel(sessionId: string, waitMs: number): Promise<boolean> {
    const turn = this.entries.get(sessionId)?.turn;
    if (turn === undefined) return false;
    turn.controller.abort(new TurnCancelledError());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      turn.ended,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    return true;
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
      if (entry.turn === undefined) this.entries.delete(sessionId);
    }
  }
}

function newTurn(): Turn {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { controller: new AbortController(), ended, end };
}
