// keys.test.mjs - API keys' life and callers' rates (issue 14): listing
// (never a secret), last_used_at, revocation on one node refused by
// another within key_cache_ms, expiry, the access log's key id and client
// address, token buckets per key and per address answered 429 with
// Retry-After. Durations are shrunk by config; lower bounds and generous
// ceilings only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startStack, startNode, eventually, request, psql, keten, sleep } from './lib/harness.mjs';

const doc = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url)));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });

function check(name, value) {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(value)}`);
}

// `keten key create` with args: {key, id}.
async function createKey(s, args) {
  const r = keten(['key', 'create', ...args], s.env);
  assert.equal(r.code, 0, r.stderr);
  const key = r.stdout.trim();
  const id = (await psql(s.db, `SELECT id FROM api_keys WHERE hash = sha256('${key}'::bytea)`)).trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  return { key, id };
}

test('keys are listed without their secret, with last_used_at, by API and CLI', async () => {
  const s = await startStack();
  try {
    const k = await createKey(s, ['--role', 'customer', '--customer', 'acme', '--name', 'portal']);
    let list = await s.api('GET', '/v1/keys', { key: s.keys.integrator });
    assert.equal(list.status, 200, list.text);
    check('ApiKeyPage', list.json);
    let mine = list.json.items.find((i) => i.id === k.id);
    assert.deepEqual(Object.keys(mine).sort(), ['created_at', 'customer', 'expires_at', 'id',
      'last_used_at', 'name', 'revoked_at', 'role', 'state', 'supplier']);
    assert.equal(mine.last_used_at, null);
    assert.equal(mine.state, 'active');
    assert.equal(mine.customer, 'acme');
    assert.equal(mine.name, 'portal');
    assert.equal((await s.api('GET', '/v1/tickets', { key: k.key })).status, 200);
    list = await s.api('GET', '/v1/keys', { key: s.keys.integrator });
    mine = list.json.items.find((i) => i.id === k.id);
    assert.match(mine.last_used_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const hash = (await psql(s.db, `SELECT encode(hash, 'hex') FROM api_keys WHERE id = '${k.id}'`)).trim();
    for (const secret of [k.key, hash, ...Object.values(s.keys)])
      assert.ok(!list.text.includes(secret), 'the listing holds no key and no hash');
    // Paging, and a cursor that is no key id.
    const page = await s.api('GET', '/v1/keys?limit=2', { key: s.keys.integrator });
    assert.equal(page.json.items.length, 2);
    const next = await s.api('GET', `/v1/keys?limit=200&cursor=${page.json.next_cursor}`,
      { key: s.keys.integrator });
    assert.equal(next.json.items.length, list.json.items.length - 2);
    assert.equal(next.json.next_cursor, null);
    const bad = await s.api('GET', '/v1/keys?cursor=nonsense', { key: s.keys.integrator });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_cursor');
    // Not for customers.
    assert.equal((await s.api('GET', '/v1/keys', { key: k.key })).status, 403);
    const cli = keten(['key', 'list'], s.env);
    assert.equal(cli.code, 0, cli.stderr);
    const line = cli.stdout.split('\n').find((l) => l.startsWith(k.id));
    assert.match(line, /\tcustomer\tacme\tactive\t.*\tportal$/);
    assert.ok(!cli.stdout.includes(k.key) && !cli.stdout.includes(hash));
  } finally {
    await s.stop();
  }
});

test('a key revoked through node A is refused by node B within key_cache_ms', async (t) => {
  const s = await startStack({ config: { KETEN_KEY_CACHE_MS: '5000' } });
  const b = await startNode(s, 'second', { KETEN_KEY_CACHE_MS: '5000' });
  try {
    const k = await createKey(s, ['--role', 'customer', '--customer', 'acme']);
    for (const url of [s.url, b.url])
      assert.equal((await request(url, 'GET', '/v1/tickets', { key: k.key })).status, 200);
    const t0 = Date.now();
    const rv = await s.api('POST', `/v1/keys/${k.id}/revoke`, { key: s.keys.integrator });
    assert.equal(rv.status, 200, rv.text);
    assert.equal(rv.json.state, 'revoked');
    check('ApiKey', rv.json);
    // Node A forgot it at once.
    const a = await s.api('GET', '/v1/tickets', { key: k.key });
    assert.equal(a.status, 401);
    assert.equal(a.json.error.code, 'key_revoked');
    const refused = await eventually(async () => {
      const r = await request(b.url, 'GET', '/v1/tickets', { key: k.key });
      return r.status === 401 && r;
    }, 15000, 'node B to refuse the revoked key');
    const took = Date.now() - t0;
    t.diagnostic(`node B refused the revoked key after ${took} ms`);
    assert.equal(refused.json.error.code, 'key_revoked');
    assert.ok(took <= 5000 + 3000, `refused after ${took} ms`);
    // Revoking twice keeps the first time; an unknown id is 404.
    const again = await s.api('POST', `/v1/keys/${k.id}/revoke`, { key: s.keys.integrator });
    assert.equal(again.json.revoked_at, rv.json.revoked_at);
    const none = await s.api('POST', '/v1/keys/00000000-0000-0000-0000-000000000000/revoke',
      { key: s.keys.integrator });
    assert.equal(none.status, 404);
    assert.equal(none.json.error.code, 'unknown_key');
    // Other keys work on.
    assert.equal((await request(b.url, 'GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
    // The CLI revokes too.
    const k2 = await createKey(s, ['--role', 'customer', '--customer', 'acme']);
    assert.equal((await request(b.url, 'GET', '/v1/tickets', { key: k2.key })).status, 200);
    const cli = keten(['key', 'revoke', k2.id], s.env);
    assert.equal(cli.code, 0, cli.stderr);
    await eventually(async () => (await request(b.url, 'GET', '/v1/tickets', { key: k2.key })).status === 401,
      15000, 'node B to refuse the key revoked by the CLI');
    assert.equal(keten(['key', 'revoke', 'nonsense'], s.env).code, 1);
  } finally {
    await b.stop();
    await s.stop();
  }
});

test('an expired key is refused by every node, even while they keep it', async (t) => {
  const s = await startStack({ config: { KETEN_KEY_CACHE_MS: '5000' } });
  const b = await startNode(s, 'second', { KETEN_KEY_CACHE_MS: '5000' });
  try {
    assert.equal(keten(['key', 'create', '--role', 'integrator', '--expires', '2020-01-01T00:00:00Z'],
      s.env).code, 2);
    for (const bad of ['soon', '0s', '-5d', '9999999d'])
      assert.equal(keten(['key', 'create', '--role', 'integrator', '--expires', bad], s.env).code, 2, bad);
    const k = await createKey(s, ['--role', 'customer', '--customer', 'acme', '--expires', '3s']);
    const t0 = Date.now();
    for (const url of [s.url, b.url])
      assert.equal((await request(url, 'GET', '/v1/tickets', { key: k.key })).status, 200);
    for (const url of [s.url, b.url]) {
      const r = await eventually(async () => {
        const a = await request(url, 'GET', '/v1/tickets', { key: k.key });
        return a.status === 401 && a;
      }, 15000, 'the expired key to be refused');
      const took = Date.now() - t0;
      t.diagnostic(`the key of 3 s was refused by ${url} after ${took} ms`);
      assert.equal(r.json.error.code, 'key_expired');
      assert.ok(took >= 1000, `refused after ${took} ms, before it expired`);
      // Kept for 5 s, yet refused within about a second of its expiry.
      assert.ok(took <= 3000 + 3000, `refused after ${took} ms`);
    }
    const list = await s.api('GET', '/v1/keys', { key: s.keys.integrator });
    assert.equal(list.json.items.find((i) => i.id === k.id).state, 'expired');
  } finally {
    await b.stop();
    await s.stop();
  }
});

test('the access log carries the key id and the client address', async () => {
  const s = await startStack();
  try {
    const k = await createKey(s, ['--role', 'customer', '--customer', 'acme']);
    assert.equal((await s.api('GET', '/v1/tickets', { key: k.key })).status, 200);
    const line = await eventually(() => s.log.text.split('\n').find((l) =>
      l.includes('"request"') && l.includes(k.id)), 5000, 'the access log line');
    const entry = JSON.parse(line);
    assert.equal(entry.key_id, k.id);
    assert.equal(entry.client, '127.0.0.1');
    assert.ok(!s.log.text.includes(k.key), 'no key in the log');
  } finally {
    await s.stop();
  }
});

test('a key over its rate is answered 429 with Retry-After, and served after it', async () => {
  const s = await startStack({ config: {
    KETEN_RATE_CUSTOMER_PER_S: '1', KETEN_RATE_CUSTOMER_BURST: '3',
    KETEN_RATE_INTEGRATOR_PER_S: '1000', KETEN_KEY_CACHE_MS: '5000' } });
  try {
    const codes = [];
    for (let i = 0; i < 6; i++)
      codes.push(await s.api('GET', '/v1/tickets', { key: s.keys.acme }));
    const ok = codes.filter((r) => r.status === 200).length;
    const limited = codes.filter((r) => r.status === 429);
    // 3 at once, perhaps one more refilled meanwhile on a slow machine.
    assert.ok(ok >= 3 && ok <= 4, `served ${ok} of 6`);
    assert.ok(limited.length >= 2);
    const r = limited[0];
    assert.equal(r.json.error.code, 'rate_limited');
    check('Error', r.json);
    const wait = Number(r.headers['retry-after']);
    assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 2, `Retry-After ${r.headers['retry-after']}`);
    // Another key is not affected.
    assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.globex })).status, 200);
    await sleep(wait * 1000);
    assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
  } finally {
    await s.stop();
  }
});

test('requests without a working key are limited per address', async () => {
  const s = await startStack({ config: {
    KETEN_RATE_ADDRESS_PER_S: '1', KETEN_RATE_ADDRESS_BURST: '3', KETEN_RATE_INTEGRATOR_PER_S: '1000' } });
  try {
    // The integrator's key is kept by the node from here on.
    assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.integrator })).status, 200);
    const got = [];
    for (let i = 0; i < 3; i++)
      got.push((await s.api('GET', '/v1/tickets')).status);
    got.push((await s.api('GET', '/v1/tickets', { key: 'kt_nosuchkey' })).status);
    got.push((await s.api('GET', '/readyz')).status);
    got.push((await s.api('GET', '/v1/tickets')).status);
    assert.ok(got.slice(0, 3).every((c) => c === 401), got.join());
    assert.ok(got.filter((c) => c === 429).length >= 2, got.join());
    const r = await s.api('GET', '/v1/tickets');
    assert.equal(r.status, 429);
    assert.equal(r.json.error.code, 'rate_limited');
    assert.ok(Number(r.headers['retry-after']) >= 1);
    // A key the node keeps pays from its own bucket; one it does not is
    // looked up only while the address has budget.
    assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.acme })).status, 429);
    assert.equal((await s.api('GET', '/v1/tickets', { key: s.keys.integrator })).status, 200);
    await sleep(Number(r.headers['retry-after']) * 1000);
    assert.equal((await s.api('GET', '/v1/tickets')).status, 401);
  } finally {
    await s.stop();
  }
});

test('the timeline records which key acted, for the integrator only', async () => {
  const s = await startStack();
  try {
    const c = await createKey(s, ['--role', 'customer', '--customer', 'acme']);
    const i = await createKey(s, ['--role', 'integrator']);
    const t = await s.api('POST', '/v1/tickets', { key: c.key, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: 'vpn down',
      description: '', impact: 2, urgency: 2, component: 'vpn' } });
    assert.equal(t.status, 201, t.text);
    assert.equal((await s.api('POST', `/v1/tickets/${t.json.id}/comments`,
      { key: i.key, body: { text: 'looking' } })).status, 201);
    const leg = await eventually(async () => (await s.api('GET', `/v1/tickets/${t.json.id}`,
      { key: i.key })).json.legs.find((l) => l.external_id), 15000, 'delivery');
    await s.sims.netco.send({ leg_id: leg.id, status: 'in_progress' });
    const full = await eventually(async () => {
      const v = await s.api('GET', `/v1/tickets/${t.json.id}`, { key: i.key });
      return v.json.timeline.some((e) => e.kind === 'supplier_update' || e.actor === 'supplier:netco') && v;
    }, 15000, 'the supplier update');
    const byKind = (k) => full.json.timeline.filter((e) => e.kind === k);
    assert.equal(byKind('received')[0].key_id, c.id);
    assert.ok(byKind('routed').every((e) => e.key_id === c.id));
    assert.equal(byKind('note')[0].key_id, i.id);
    assert.ok(full.json.timeline.filter((e) => e.actor === 'supplier:netco' || e.actor === 'system' &&
      e.kind !== 'routed').every((e) => e.key_id === null), JSON.stringify(full.json.timeline));
    const db = await psql(s.db, `SELECT count(*) FROM events WHERE key_id = '${c.id}'`);
    assert.ok(Number(db) >= 2);
    // The customer's own view names no key.
    const mine = await s.api('GET', `/v1/tickets/${t.json.id}`, { key: c.key });
    assert.ok(mine.json.timeline.every((e) => !('key_id' in e)));
  } finally {
    await s.stop();
  }
});
