import * as assert from "node:assert/strict";
import { buildProxyEvent, type ProxyEventInit } from "../../local/apigw-decode";
import { answer, invokeEvent, RUNTIME_ARN, startHarness, type Harness } from "./helpers";

const CLIENT_SESSION = "shared-client-session-id-0123456789";

const ALICE: Partial<ProxyEventInit> = { authorizer: { claims: { sub: "alice-sub" } } };
const BOB: Partial<ProxyEventInit> = { authorizer: { claims: { sub: "bob-sub" } } };

describe("handler: sessions scoped by caller identity", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  afterEach(() => h.reset());
  after(() => h.close());

  async function runtimeSessionFor(init: Partial<ProxyEventInit>, sessionId = CLIENT_SESSION) {
    const before = h.standin.requests.length;
    const r = await answer(h.host, invokeEvent({ prompt: "hi", sessionId }, init));
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-session-id"], sessionId, "the client keeps its own id");
    const req = h.standin.requests[before];
    return { sessionId: req.sessionId!, userId: req.userId };
  }

  it("gives two callers with the same client session id different runtime sessions", async () => {
    const alice = await runtimeSessionFor(ALICE);
    const bob = await runtimeSessionFor(BOB);
    assert.notEqual(alice.sessionId, bob.sessionId);
    for (const s of [alice, bob]) {
      assert.match(s.sessionId, /^[0-9a-f]{64}$/);
      assert.notEqual(s.sessionId, CLIENT_SESSION);
    }
    assert.equal(alice.userId, "cognito:alice-sub");
    assert.equal(bob.userId, "cognito:bob-sub");
  });

  it("keeps one caller in the same runtime session across turns", async () => {
    const first = await runtimeSessionFor(ALICE);
    const second = await runtimeSessionFor(ALICE);
    assert.equal(first.sessionId, second.sessionId);
    const other = await runtimeSessionFor(ALICE, `${CLIENT_SESSION}-2`);
    assert.notEqual(first.sessionId, other.sessionId);
  });

  it("takes the identity in order: Cognito, Lambda authorizer, IAM, API key", async () => {
    const everything: Partial<ProxyEventInit> = {
      authorizer: { claims: { sub: "alice-sub" }, principalId: "p-1" },
      identity: { userArn: "arn:aws:iam::111122223333:user/u", apiKeyId: "key-1" },
    };
    assert.equal((await runtimeSessionFor(everything)).userId, "cognito:alice-sub");
    assert.equal(
      (await runtimeSessionFor({ ...everything, authorizer: { principalId: "p-1" } })).userId,
      "authorizer:p-1",
    );
    assert.equal(
      (await runtimeSessionFor({ identity: everything.identity })).userId,
      "iam:arn:aws:iam::111122223333:user/u",
    );
    assert.equal(
      (await runtimeSessionFor({ identity: { apiKeyId: "key-1" } })).userId,
      "apikey:key-1",
    );
  });

  it("never lets two kinds of identity with the same value share a session", async () => {
    const viaKey = await runtimeSessionFor({ identity: { apiKeyId: "same" } });
    const viaAuthorizer = await runtimeSessionFor({ authorizer: { principalId: "same" } });
    assert.notEqual(viaKey.sessionId, viaAuthorizer.sessionId);
  });

  it("uses the client session id as is without an identity", async () => {
    const anonymous = await runtimeSessionFor({});
    assert.equal(anonymous.sessionId, CLIENT_SESSION);
    assert.equal(anonymous.userId, undefined);
  });

  it("derives different ids under a different SESSION_KEY", async () => {
    const defaultKey = await runtimeSessionFor(ALICE);
    const host = h.load({ SESSION_KEY: "another-key" });
    await answer(host, invokeEvent({ prompt: "hi", sessionId: CLIENT_SESSION }, ALICE));
    const keyed = h.standin.requests[h.standin.requests.length - 1].sessionId;
    assert.notEqual(keyed, defaultKey.sessionId);
  });
});

describe("handler: DELETE /sessions/{sessionId}", function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ AGENT_RUNTIME_QUALIFIER: "live" });
  });
  afterEach(() => h.reset());
  after(() => h.close());

  const del = (sessionId: string, init: Partial<ProxyEventInit> = {}) =>
    buildProxyEvent({
      method: "DELETE",
      path: `/sessions/${encodeURIComponent(sessionId)}`,
      ...init,
    });

  it("stops the caller's runtime session and answers 204", async () => {
    await answer(h.host, invokeEvent({ prompt: "hi", sessionId: CLIENT_SESSION }, ALICE));
    const invoked = h.standin.requests[0].sessionId;

    const r = await answer(h.host, del(CLIENT_SESSION, ALICE));
    assert.equal(r.status, 204);
    assert.equal(r.text, "");
    assert.equal(r.headers["x-session-id"], CLIENT_SESSION);

    const stop = h.standin.requests[1];
    assert.equal(stop.operation, "StopRuntimeSession");
    assert.equal(stop.rawPath, `/runtimes/${encodeURIComponent(RUNTIME_ARN)}/stopruntimesession`);
    assert.deepEqual(stop.query, { qualifier: "live" });
    assert.equal(stop.sessionId, invoked, "the same runtime session the caller invoked");
    assert.match(String(stop.headers.authorization), /^AWS4-HMAC-SHA256 .*bedrock-agentcore/);
  });

  it("cannot stop another caller's session", async () => {
    await answer(h.host, invokeEvent({ prompt: "hi", sessionId: CLIENT_SESSION }, ALICE));
    await answer(h.host, del(CLIENT_SESSION, BOB));
    assert.notEqual(h.standin.requests[1].sessionId, h.standin.requests[0].sessionId);
  });

  it("answers 204 for a session that is not running", async () => {
    h.standin.onStop({ error: { type: "ResourceNotFoundException" } });
    const r = await answer(h.host, del(CLIENT_SESSION));
    assert.equal(r.status, 204);
  });

  it("maps other failures like an invoke", async () => {
    h.standin.onStop({ error: { type: "AccessDeniedException", message: RUNTIME_ARN } });
    const r = await answer(h.host, del(CLIENT_SESSION));
    assert.equal(r.status, 502);
    assert.ok(!r.text.includes(RUNTIME_ARN));
    h.standin.onStop({ error: { type: "ThrottlingException" } });
    const throttled = await answer(h.host, del(CLIENT_SESSION));
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers["retry-after"], "1");
  });

  it("rejects an invalid session id without calling AgentCore", async () => {
    for (const id of ["short", "x".repeat(257), `${"x".repeat(33)} y`]) {
      const r = await answer(h.host, del(id));
      assert.equal(r.status, 400);
      assert.equal((r.json as { error: { code: string } }).error.code, "validation");
    }
    assert.equal(h.standin.requests.length, 0);
  });

  it("answers 405 for other methods on a session", async () => {
    const r = await answer(
      h.host,
      buildProxyEvent({ method: "GET", path: `/sessions/${CLIENT_SESSION}` }),
    );
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "DELETE, OPTIONS");
  });
});
