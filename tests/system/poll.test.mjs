// poll.test.mjs - the lease of polled supplier feeds (migration 018), as
// every node takes and keeps it: through the SQL functions keten_poll_claim,
// keten_poll_page and keten_poll_later, called here from several real
// sessions at once. A claim makes the rows of every polled supplier's
// feeds; a feed goes to exactly one node, also when claims race; a lease
// that ran out passes to another node, and the old holder then records
// nothing; the cursor moves only with the last page of a pass, under the
// lease, never back; a failure keeps the pass at its page and counts, a
// deferral does not. Each test has a database of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { newDatabase, dbUrl, keten, psql, closeDatabase, eventually } from './lib/harness.mjs';

// The feeds of the adapters that can poll, as the engine passes them.
const FEEDS = { rt: ['tickets', 'journal'] };
const HOUR = 3600000;

// A supplier of the rt adapter polled every interval_ms.
const rt = (key, interval = 60000) => ({ key, adapter: 'rt', poll: { interval_ms: interval } });

// A migrated database with suppliers [{key, adapter, poll}] (poll: an
// object, or null for a supplier that is not polled).
async function fresh(suppliers) {
  const db = await newDatabase();
  const r = keten(['migrate'], { KETEN_DATABASE_URL: dbUrl(db) });
  assert.equal(r.code, 0, r.stderr);
  for (const s of suppliers) {
    await psql(db, `INSERT INTO suppliers (key, name, adapter, endpoint, secret_ref, poll)
      VALUES ('${s.key}', '${s.key}', '${s.adapter}', 'https://127.0.0.1:1', 'env:NONE',
      ${s.poll ? `'${JSON.stringify(s.poll)}'` : 'NULL'})`);
  }
  return db;
}

// Runs fn(db) on a fresh database (see fresh), closing the test's client after.
async function withDb(suppliers, fn) {
  const db = await fresh(suppliers);
  try {
    await fn(db);
  } finally {
    await closeDatabase(db);
  }
}

const CLAIM = (node, leaseMs, limit, feeds = FEEDS) => `SELECT s.key, c.feed, c.lease_token,
  c.cursor_at, c.page, c.pass_since, c.failures
  FROM keten_poll_claim('${node}', ${leaseMs}, '${JSON.stringify(feeds)}', ${limit}) c
  JOIN suppliers s ON s.id = c.supplier_id ORDER BY s.key, c.feed`;

function rows(text) {
  return text ? text.split('\n').map((l) => {
    const [key, feed, token, cursor, page, since, failures] = l.split('|');
    return { key, feed, token, cursor, page, since, failures: Number(failures) };
  }) : [];
}

async function claim(db, node, { leaseMs = HOUR, limit = 100, feeds } = {}) {
  return rows(await psql(db, CLAIM(node, leaseMs, limit, feeds)));
}

// keten_poll_page for c's lease: {next, high, since, floor} as SQL literals' values.
async function page(db, c, { next = null, high = null, since = '2026-01-01T00:00:00Z',
  floor = '2026-01-01T00:00:00Z', leaseMs = HOUR } = {}) {
  const lit = (v) => (v === null ? 'NULL' : `'${v}'`);
  return await psql(db, `SELECT keten_poll_page((SELECT id FROM suppliers WHERE key = '${c.key}'),
    '${c.feed}', '${c.token}', ${leaseMs}, ${lit(since)}, ${lit(next)}, ${lit(high)}, ${lit(floor)})`) === 't';
}

async function later(db, c, delayMs, error) {
  return await psql(db, `SELECT keten_poll_later((SELECT id FROM suppliers WHERE key = '${c.key}'),
    '${c.feed}', '${c.token}', ${delayMs}, ${error === undefined ? 'NULL' : `'${error}'`})`) === 't';
}

async function row(db, key, feed) {
  const [cursor, pg_, since, high, failures, error, owner, dueIn, success] = (await psql(db,
    `SELECT cursor_at, page, pass_since, pass_high, failures, last_error, lease_owner,
      (extract(epoch FROM next_due - now()) * 1000)::bigint, last_success IS NOT NULL
     FROM supplier_polls p JOIN suppliers s ON s.id = p.supplier_id
     WHERE s.key = '${key}' AND p.feed = '${feed}'`)).split('|');
  return { cursor, page: pg_, since, high, failures: Number(failures), error, owner,
    dueInMs: Number(dueIn), success: success === 't' };
}

async function withClients(db, n, fn) {
  const clients = [];
  try {
    for (let i = 0; i < n; i++) {
      // A claim that waited would fail the test rather than hang it.
      const c = new pg.Client({ host: process.env.KETEN_TEST_PGHOST, user: 'postgres', database: db,
        statement_timeout: 10000,
        types: { getTypeParser: () => (text) => text } });
      await c.connect();
      clients.push(c);
    }
    return await fn(clients);
  } finally {
    for (const c of clients) await c.end();
  }
}

test('a claim makes a row per feed of each polled supplier, and no other node gets them while leased', () => withDb([
  rt('rtco'), { key: 'pushco', adapter: 'webhook', poll: null },
  // Polled in its chain entry, but its adapter has no feeds in the map.
  { key: 'snco', adapter: 'servicenow', poll: { interval_ms: 60000 } },
], async (db) => {
  const a = await claim(db, 'node-a');
  assert.deepEqual(a.map((c) => `${c.key}/${c.feed}`), ['rtco/journal', 'rtco/tickets']);
  for (const c of a) {
    assert.match(c.token, /^[0-9a-f-]{36}$/);
    assert.equal(c.cursor, '');
    assert.equal(c.page, '');
    assert.equal(c.failures, 0);
  }
  assert.deepEqual(await claim(db, 'node-b'), []);
  assert.equal(await psql(db, 'SELECT count(*) FROM supplier_polls'), '2');
  assert.equal(await psql(db, `SELECT string_agg(DISTINCT lease_owner, ',') FROM supplier_polls`), 'node-a');
  // A feed the adapter no longer lists is not claimed, even when due.
  await psql(db, `UPDATE supplier_polls SET lease_until = NULL, lease_owner = NULL, lease_token = NULL`);
  assert.deepEqual((await claim(db, 'node-b', { feeds: { rt: ['tickets'] } })).map((c) => c.feed), ['tickets']);
  // A supplier whose poll was taken out of its entry is not claimed.
  await psql(db, `UPDATE suppliers SET poll = NULL WHERE key = 'rtco';
    UPDATE supplier_polls SET lease_until = NULL, lease_owner = NULL, lease_token = NULL`);
  assert.deepEqual(await claim(db, 'node-c'), []);
}));

test('claims racing from many sessions lease each feed to exactly one node', () =>
  withDb(Array.from({ length: 15 }, (_, i) => rt(`rt${i}`, 1000)), async (db) => {
  await withClients(db, 8, async (clients) => {
    // Round -1 races on an empty table: the claims also make the rows, and
    // a row one claim made but did not lease (over its limit) stays locked
    // until that claim commits, so the others skip it: a feed may wait for
    // the next tick then, but none is leased twice. From round 0 the rows
    // exist: every feed is leased in each round.
    for (let round = -1; round < 10; round++) {
      const got = await Promise.all(clients.map((c, i) =>
        c.query({ text: CLAIM(`node-${i}`, HOUR, 7), rowMode: 'array' })));
      const all = got.flatMap((r, i) => r.rows.map((x) => ({ node: `node-${i}`, feed: `${x[0]}/${x[1]}` })));
      // 30 feeds, 8 x 7 asked for: every feed leased, none twice.
      if (round >= 0) assert.equal(all.length, 30, `round ${round}`);
      assert.equal(new Set(all.map((x) => x.feed)).size, all.length, `round ${round}: a feed leased twice`);
      // What each session got is what the table says it holds.
      for (const x of all) {
        const [key, feed] = x.feed.split('/');
        assert.equal((await row(db, key, feed)).owner, x.node);
      }
      await psql(db, 'UPDATE supplier_polls SET lease_until = NULL, lease_owner = NULL, lease_token = NULL');
    }
  });
}));

test('a claim in progress in another session is skipped, neither waited for nor doubled', () => withDb([rt('a'), rt('b')], async (db) => {
  // The rows exist before the race (a first claim makes them).
  await claim(db, 'setup', { limit: 0 });
  assert.equal(await psql(db, 'SELECT count(*) FROM supplier_polls'), '4');
  await withClients(db, 2, async ([one, two]) => {
    await one.query('BEGIN');
    const first = await one.query({ text: CLAIM('node-1', HOUR, 2), rowMode: 'array' });
    assert.equal(first.rows.length, 2);
    // node-1's transaction holds its two rows: node-2 takes the other two
    // at once instead of waiting, and never node-1's.
    const t0 = Date.now();
    const second = await two.query({ text: CLAIM('node-2', HOUR, 10), rowMode: 'array' });
    assert.ok(Date.now() - t0 < 5000, 'the second claim waited for the first');
    const mine = new Set(first.rows.map((x) => `${x[0]}/${x[1]}`));
    assert.equal(second.rows.length, 2);
    for (const x of second.rows) assert.ok(!mine.has(`${x[0]}/${x[1]}`), 'a feed leased twice');
    await one.query('COMMIT');
  });
  assert.equal(await psql(db, `SELECT string_agg(lease_owner, ',' ORDER BY lease_owner) FROM supplier_polls`),
    'node-1,node-1,node-2,node-2');
}));

test('a lease that ran out passes to another node, and the old holder records nothing', () => withDb([rt('rtco')], async (db) => {
  const feeds = { rt: ['tickets'] };
  const [a] = await claim(db, 'node-a', { leaseMs: 300, feeds });
  assert.ok(await page(db, a, { next: 'page-2', high: '2026-03-01T10:00:00Z', leaseMs: 300 }));
  // While it lives, nobody else gets it.
  assert.deepEqual(await claim(db, 'node-b', { feeds }), []);
  // Once run out, node-b does, at the page node-a reached, with its since.
  const [b] = await eventually(async () => {
    const got = await claim(db, 'node-b', { feeds });
    return got.length === 1 && got;
  }, 10000, 'the lease to run out and pass to node-b');
  assert.notEqual(b.token, a.token);
  assert.equal(b.page, 'page-2');
  assert.equal(b.since, '2026-01-01 00:00:00+00');
  // node-a, late, records nothing: neither a page nor the end of the pass.
  assert.equal(await page(db, a, { next: 'page-3' }), false);
  assert.equal(await page(db, a, { high: '2026-03-02T00:00:00Z' }), false);
  assert.equal(await later(db, a, 0, 'late failure'), false);
  let r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.owner, r.page, r.cursor, r.failures, r.error], ['node-b', 'page-2', '', 0, '']);
  // node-b ends the pass: the cursor is the newest update of all its pages.
  assert.ok(await page(db, b, { high: '2026-03-01T09:00:00Z' }));
  r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.owner, r.page, r.since, r.high, r.cursor], ['', '', '', '', '2026-03-01 10:00:00+00']);
}));

test('the cursor moves only with the last page of a pass, and never back', () => withDb([rt('rtco')], async (db) => {
  const feeds = { rt: ['tickets'] };
  let [c] = await claim(db, 'node-a', { feeds });
  // Pages 1 and 2 of 3: the cursor stays; the pass remembers where it is.
  assert.ok(await page(db, c, { next: 'p2', high: '2026-03-01T08:00:00Z', since: '2026-02-28T23:00:00Z' }));
  assert.ok(await page(db, c, { next: 'p3', high: '2026-03-01T10:00:00Z', since: '2026-02-28T23:00:00Z' }));
  let r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.cursor, r.page, r.since, r.high, r.owner],
    ['', 'p3', '2026-02-28 23:00:00+00', '2026-03-01 10:00:00+00', 'node-a']);
  // The last page, with no update of its own: the newest of the pass.
  assert.ok(await page(db, c, { since: '2026-02-28T23:00:00Z' }));
  r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.cursor, r.page, r.owner, r.success], ['2026-03-01 10:00:00+00', '', '', true]);
  // Due again after the supplier's interval (a lower bound and a ceiling).
  assert.ok(r.dueInMs > 50000 && r.dueInMs <= 60000, `due in ${r.dueInMs} ms`);
  // A later pass whose updates are all older (the overlap read back):
  // the cursor stays where it was.
  await psql(db, 'UPDATE supplier_polls SET next_due = now()');
  [c] = await claim(db, 'node-a', { feeds });
  assert.equal(c.cursor, '2026-03-01 10:00:00+00');
  assert.ok(await page(db, c, { high: '2026-03-01T09:59:00Z' }));
  assert.equal((await row(db, 'rtco', 'tickets')).cursor, '2026-03-01 10:00:00+00');
}));

test('before any update was seen, a complete pass sets the cursor to when it started', () => withDb([rt('rtco')], async (db) => {
  const [c] = await claim(db, 'node-a', { feeds: { rt: ['tickets'] } });
  assert.ok(await page(db, c, { since: '2026-03-01T11:59:00Z', floor: '2026-03-01T12:00:00Z' }));
  assert.equal((await row(db, 'rtco', 'tickets')).cursor, '2026-03-01 12:00:00+00');
}));

test('a failure keeps the pass at its page and counts; a deferral does not; success forgets them', () => withDb([rt('rtco')], async (db) => {
  const feeds = { rt: ['tickets'] };
  let [c] = await claim(db, 'node-a', { feeds });
  assert.ok(await page(db, c, { next: 'p2', high: '2026-03-01T08:00:00Z' }));
  assert.ok(await later(db, c, 30000, 'http_503: supplier answered 503'));
  let r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.page, r.high, r.failures, r.error, r.owner, r.cursor],
    ['p2', '2026-03-01 08:00:00+00', 1, 'http_503: supplier answered 503', '', '']);
  assert.ok(r.dueInMs > 20000 && r.dueInMs <= 30000, `due in ${r.dueInMs} ms`);
  // Not due yet: nobody gets it.
  assert.deepEqual(await claim(db, 'node-b', { feeds }), []);
  await psql(db, 'UPDATE supplier_polls SET next_due = now()');
  // The next lease resumes at the page, knowing the failures so far.
  [c] = await claim(db, 'node-b', { feeds });
  assert.deepEqual([c.page, c.since, c.failures], ['p2', '2026-01-01 00:00:00+00', 1]);
  // A deferral (the supplier's gate was closed) is not a failure.
  assert.ok(await later(db, c, 0));
  r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.page, r.failures, r.error], ['p2', 1, 'http_503: supplier answered 503']);
  // The pass ends: failures and the error are forgotten.
  [c] = await claim(db, 'node-b', { feeds });
  assert.ok(await page(db, c, { high: '2026-03-01T09:00:00Z' }));
  r = await row(db, 'rtco', 'tickets');
  assert.deepEqual([r.page, r.failures, r.error, r.cursor], ['', 0, '', '2026-03-01 09:00:00+00']);
}));
