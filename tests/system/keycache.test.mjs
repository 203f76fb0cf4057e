// keycache.test.mjs - API keys kept in each node's memory (http/key_cache.c)
// stop working soon after they are revoked: a key deleted in the database
// (by another node, the CLI, an operator) is refused by a node that kept it
// within key_cache_ms (5 s at most); a customer deleted through this node's
// API takes its keys with it at once. Eventual outcomes with generous
// ceilings only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, request, psql, keten } from './lib/harness.mjs';

test('a key deleted elsewhere stops working on a node that kept it', async () => {
  const s = await startStack({ config: { KETEN_KEY_CACHE_MS: '2000' } });
  const other = await startNode(s, 'second', { KETEN_KEY_CACHE_MS: '2000' });
  try {
    const k = keten(['key', 'create', '--role', 'customer', '--customer', 'acme'], s.env);
    assert.equal(k.code, 0, k.stderr);
    const key = k.stdout.trim();
    for (const url of [s.url, other.url])
      assert.equal((await request(url, 'GET', '/v1/tickets', { key })).status, 200);
    await psql(s.db, `DELETE FROM api_keys WHERE hash = sha256('${key}'::bytea)`);
    for (const url of [s.url, other.url]) {
      const r = await eventually(async () => {
        const a = await request(url, 'GET', '/v1/tickets', { key });
        return a.status === 401 && a;
      }, 15000, 'the revoked key to be refused');
      assert.equal(r.json.error.code, 'unauthorized');
    }
    // Other keys are not affected.
    assert.equal((await request(other.url, 'GET', '/v1/tickets', { key: s.keys.acme })).status, 200);
  } finally {
    await other.stop();
    await s.stop();
  }
});

test('with key_cache_ms 0 a deleted key is refused at once', async () => {
  const s = await startStack({ config: { KETEN_KEY_CACHE_MS: '0' } });
  try {
    const k = keten(['key', 'create', '--role', 'customer', '--customer', 'acme'], s.env);
    const key = k.stdout.trim();
    assert.equal((await s.api('GET', '/v1/tickets', { key })).status, 200);
    await psql(s.db, `DELETE FROM api_keys WHERE hash = sha256('${key}'::bytea)`);
    assert.equal((await s.api('GET', '/v1/tickets', { key })).status, 401);
  } finally {
    await s.stop();
  }
});
