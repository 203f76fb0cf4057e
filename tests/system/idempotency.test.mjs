// idempotency.test.mjs - POST /v1/tickets honours Idempotency-Key: a retry
// gets the original status and body byte for byte and writes nothing; the
// same key with another body is 422; while the first request still runs
// (held inside PostgreSQL by a table lock) a second one is 409 at once;
// keys are per caller; errors are not kept; bad keys are 400; answers
// expire after idempotency_ttl_s and are purged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, lockSession } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const body = (summary, extra = {}) => ticketBody(s, { summary, description: 'idempotency', ...extra });
const post = (key, b, idem, stack = s) => stack.api('POST', '/v1/tickets',
  { key, body: b, headers: idem === undefined ? {} : { 'idempotency-key': idem } });

// What a request may have written, all tables at once.
const counts = (stack = s) => psql(stack.db,
  'SELECT (SELECT count(*) FROM tickets) || \'/\' || (SELECT count(*) FROM legs) || \'/\' ||' +
  // Events written by intake only: the dispatcher adds delivered/accepted
  // events on its own while the test runs.
  ' (SELECT count(*) FROM outbox) || \'/\' ||' +
  ' (SELECT count(*) FROM events WHERE kind IN (\'received\', \'routed\', \'triage\')) || \'/\' ||' +
  ' (SELECT count(*) FROM idempotency_keys)');

test('a retry replays the original status and body and creates nothing', async () => {
  const b = body('replayed');
  const first = await post(s.keys.acme, b, 'replay-1');
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.summary, 'replayed');
  const before = await counts();
  // also the Structured Field form of the same key
  for (const idem of ['replay-1', '"replay-1"']) {
    const again = await post(s.keys.acme, b, idem);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text, 'the body byte for byte');
    assert.equal(again.headers['content-type'], 'application/json');
  }
  assert.equal(await counts(), before, 'no second ticket, leg, outbox message, event or key');
  assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE summary = 'replayed'`), '1');
  assert.equal(await psql(s.db, `SELECT count(*) FROM legs WHERE ticket_id = '${first.json.id}'`), '2');
  assert.equal(await psql(s.db, 'SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id' +
    ` WHERE l.ticket_id = '${first.json.id}'`), '2');
  // the ticket itself has moved on (delivered); the replay is the original answer
  const now = await s.api('GET', `/v1/tickets/${first.json.id}`, { key: s.keys.acme });
  assert.equal(now.json.id, first.json.id);
  // without a key the same body is a new ticket, as always
  const plain = await post(s.keys.acme, b);
  assert.equal(plain.status, 201);
  assert.notEqual(plain.json.id, first.json.id);
});

test('the same key with another body is 422 and writes nothing', async () => {
  const first = await post(s.keys.acme, body('original'), 'reused-1');
  assert.equal(first.status, 201);
  const before = await counts();
  for (const b of [body('changed'), { ...body('original'), urgency: 3 }]) {
    const r = await post(s.keys.acme, b, 'reused-1');
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, 'idempotency_key_reused');
  }
  // the raw body counts: the same JSON spaced differently is another request
  const spaced = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    raw: JSON.stringify(body('original'), null, 1), headers: { 'idempotency-key': 'reused-1' } });
  assert.equal(spaced.status, 422);
  assert.equal(await counts(), before);
  const again = await post(s.keys.acme, body('original'), 'reused-1');
  assert.equal(again.text, first.text, 'the original answer is still there');
});

test('a second request while the first is in flight is 409 at once; later retries replay', async () => {
  const b = body('in flight');
  const lock = lockSession(s.db, 'LOCK TABLE tickets IN SHARE MODE');
  await eventually(async () => lock.locked(), 10000, 'the lock');
  let answered = null;
  const pending = post(s.keys.acme, b, 'flight-1').then((r) => { answered = r; return r; });
  await eventually(async () => await psql(s.db,
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO tickets%'") === '1',
  10000, 'the first request to wait on the lock');

  const t0 = Date.now();
  const second = await post(s.keys.acme, b, 'flight-1');
  assert.equal(second.status, 409, second.text);
  assert.equal(second.json.error.code, 'idempotency_key_in_flight');
  assert.ok(Date.now() - t0 < 5000, 'answered without waiting for the first');
  // another key is not refused: it waits for the table lock like any intake
  const other = post(s.keys.acme, body('in flight, other key'), 'flight-2');
  assert.equal(answered, null, 'the first still waits');
  assert.ok(lock.locked());

  await lock.release();
  const first = await pending;
  assert.equal(first.status, 201, first.text);
  assert.equal((await other).status, 201, 'another key waited for the lock, not for the key');
  const retry = await post(s.keys.acme, b, 'flight-1');
  assert.equal(retry.status, 201);
  assert.equal(retry.text, first.text);
  assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE summary = 'in flight'`), '1');
});

test('keys are per caller: another caller\'s identical key makes its own ticket', async () => {
  const acme = await post(s.keys.acme, body('per caller'), 'shared-key');
  assert.equal(acme.status, 201);
  // the integrator, the identical key and the identical body
  const integ = await post(s.keys.integrator, body('per caller'), 'shared-key');
  assert.equal(integ.status, 201);
  assert.notEqual(integ.json.id, acme.json.id);
  const globex = await post(s.keys.globex, { ...body('per caller'),
    service: s.services['globex-hosting'] }, 'shared-key');
  assert.equal(globex.status, 201, globex.text);
  assert.notEqual(globex.json.id, acme.json.id);
  assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE summary = 'per caller'`), '3');
  // and each caller's retry replays its own answer
  assert.equal((await post(s.keys.globex, { ...body('per caller'),
    service: s.services['globex-hosting'] }, 'shared-key')).text, globex.text);
  assert.equal((await post(s.keys.acme, body('per caller'), 'shared-key')).text, acme.text);
});

test('errors are not kept: a refused request then a valid one with the same key is 201', async () => {
  const bad = await post(s.keys.acme, body('not kept', { impact: 9 }), 'errors-1');
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.code, 'invalid_ticket');
  const unknown = await post(s.keys.acme, body('not kept', { component: 'nope' }), 'errors-1');
  assert.equal(unknown.status, 422);
  assert.equal(unknown.json.error.code, 'unknown_component');
  assert.equal(await psql(s.db, `SELECT count(*) FROM idempotency_keys WHERE key = 'errors-1'`), '0');
  const good = await post(s.keys.acme, body('not kept'), 'errors-1');
  assert.equal(good.status, 201, good.text);
  assert.equal(await psql(s.db, `SELECT status FROM idempotency_keys WHERE key = 'errors-1'`), '201');
});

test('an empty or over-long key is 400 and writes nothing', async () => {
  const before = await counts();
  for (const idem of ['', '""', 'k'.repeat(256), '"unterminated']) {
    const r = await post(s.keys.acme, body('bad key'), idem);
    assert.equal(r.status, 400, `${idem.slice(0, 20)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_idempotency_key');
  }
  assert.equal(await counts(), before);
  const longest = await post(s.keys.acme, body('longest key'), 'k'.repeat(255));
  assert.equal(longest.status, 201);
});

test('answers expire after idempotency_ttl_s and are purged', async () => {
  const t = await startStack({ config: { KETEN_IDEMPOTENCY_TTL_S: '1' } });
  try {
    const b = { ...body('expiring'), service: t.services['acme-workplace'] };
    const first = await post(t.keys.acme, b, 'ttl-1', t);
    assert.equal(first.status, 201);
    assert.equal((await post(t.keys.acme, b, 'ttl-1', t)).text, first.text, 'replayed while fresh');
    // older than the ttl, or already purged by the background sweep
    await eventually(async () => await psql(t.db, "SELECT count(*) FROM idempotency_keys" +
      " WHERE key = 'ttl-1' AND created_at >= now() - interval '1.5 seconds'") === '0',
    10000, 'the answer to be older than the ttl');
    // expired: the key is free again
    const again = await post(t.keys.acme, b, 'ttl-1', t);
    assert.equal(again.status, 201);
    assert.notEqual(again.json.id, first.json.id);
    // the background sweep purges expired answers with no request to
    // carry it, and empties the table
    await eventually(async () => await psql(t.db, 'SELECT count(*) FROM idempotency_keys') === '0',
      20000, 'the background purge of expired answers');
  } finally {
    await t.stop();
  }
});
