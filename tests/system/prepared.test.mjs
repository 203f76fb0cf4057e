// prepared.test.mjs - the pools' sessions prepare each statement once and
// run it by name afterwards: with one session per pool, the
// keten_db_prepared_statements gauge grows while new kinds of request come
// in and stays flat while the same ones repeat. A schema change that alters
// a prepared statement's result columns does not break the node: the
// session prepares that statement again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';
import { scrape, value, dispatchRounds } from './lib/metrics.mjs';

const MAX_PER_SESSION = 192; // KT_DB_STMT_MAX (store/internal.h)

let s;
before(async () => {
  s = await startStack({ config: { KETEN_DB_POOL_SIZE: '1', KETEN_DISPATCH_DB_POOL_SIZE: '1' } });
});
after(async () => { await s.stop(); });

const prepared = async (pool) => value(await scrape(s), 'keten_db_prepared_statements', { pool });

// One of each kind of request this file repeats: an intake, a read of the
// ticket, a list.
async function round(n) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    body: ticketBody(s, { summary: `prepared ${n}`, description: 'x', impact: 3, urgency: 3 }) });
  assert.equal(r.status, 201, r.text);
  assert.equal((await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.acme })).status, 200);
  assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
}

const delivered = async () => eventually(async () => await psql(s.db,
  "SELECT count(*) FROM outbox WHERE state <> 'done'") === '0', 30000, 'every message delivered');

test('each session prepares a statement once: the gauge reaches a plateau under repeated requests', async () => {
  for (let n = 0; n < 3; n++) await round(n);
  const warm = await prepared('api');
  assert.ok(warm > 0, `the API session prepared its statements (${warm})`);
  assert.ok(warm <= MAX_PER_SESSION, `bounded: ${warm}`);
  for (let n = 3; n < 23; n++) await round(n);
  assert.equal(await prepared('api'), warm, 'twenty more rounds of the same requests prepare nothing new');

  await delivered();
  await dispatchRounds(s);
  const dispatch = await prepared('dispatch');
  assert.ok(dispatch > 0 && dispatch <= MAX_PER_SESSION,
    `the dispatcher's session prepared its statements (${dispatch})`);
});

test('a schema change that alters a prepared statement\'s result type does not break requests', async () => {
  await round(100);
  const before = await prepared('api');
  // Every keyed request first looks its key up, outside any transaction,
  // in a statement that returns api_keys.role: now varchar, not text.
  await psql(s.db, 'ALTER TABLE api_keys ALTER COLUMN role TYPE varchar(16)');
  try {
    const r = await s.api('GET', '/v1/tickets', { key: s.keys.acme });
    assert.equal(r.status, 200, r.text);
    await round(101);
    assert.equal(await prepared('api'), before, 'prepared again under its name, nothing added');
  } finally {
    await psql(s.db, 'ALTER TABLE api_keys ALTER COLUMN role TYPE text');
  }
});
