// Unit tests of the session pool (pure code, run from source).
import assert from "node:assert/strict";
import { SessionPool } from "../src/sessions.js";

function pool(maxSessions: number): { pool: SessionPool<{ id: string }>; created: string[] } {
  const created: string[] = [];
  return {
    created,
    pool: new SessionPool({
      maxSessions,
      create: (sessionId) => {
        created.push(sessionId);
        return { id: sessionId };
      },
    }),
  };
}

function acquire<T>(sessions: SessionPool<T>, id: string) {
  const acquired = sessions.acquire(id);
  assert.ok(acquired.ok, `expected ${id} to be free`);
  return acquired.lease;
}

describe("SessionPool", function () {
  it("gives each session its own value and reuses it on the next turn", function () {
    const { pool: sessions, created } = pool(10);
    const a = acquire(sessions, "a");
    const b = acquire(sessions, "b");
    assert.notEqual(a.value, b.value);
    a.release();
    assert.equal(acquire(sessions, "a").value, a.value);
    assert.deepEqual(created, ["a", "b"]);
  });

  it("refuses a session that is still answering, and frees it on release", function () {
    const { pool: sessions } = pool(10);
    const lease = acquire(sessions, "a");
    assert.deepEqual(sessions.acquire("a"), { ok: false, reason: "busy" });
    lease.release();
    lease.release(); // idempotent
    acquire(sessions, "a");
  });

  it("forgets the least recently used idle session beyond the bound", function () {
    const { pool: sessions, created } = pool(2);
    acquire(sessions, "a").release();
    acquire(sessions, "b").release();
    acquire(sessions, "a").release(); // a is now more recent than b
    acquire(sessions, "c").release(); // evicts b
    assert.ok(sessions.has("a"));
    assert.ok(!sessions.has("b"));
    assert.ok(sessions.has("c"));
    acquire(sessions, "b").release(); // a new conversation for b
    assert.deepEqual(created, ["a", "b", "c", "b"]);
    assert.equal(sessions.size, 2);
  });

  it("never evicts a session that is answering, and shrinks back when it finishes", function () {
    const { pool: sessions } = pool(1);
    const a = acquire(sessions, "a");
    const b = acquire(sessions, "b");
    assert.equal(sessions.size, 2);
    assert.ok(sessions.has("a"));
    a.release();
    assert.ok(!sessions.has("a"));
    assert.equal(sessions.size, 1);
    b.release();
    assert.ok(sessions.has("b"));
  });

  it("rejects a bound that is not a positive integer", function () {
    assert.throws(() => pool(0), RangeError);
  });
});
