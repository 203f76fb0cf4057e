// ops.test.mjs - issue 14, finding 6: /metrics and /readyz answer only
// the ops token (the setting ops_token_ref), never an anonymous caller, a
// wrong token or an API key, while /healthz stays open; and /readyz
// answers from a recent good check (ready_cache_ms) without a database
// round trip: with the database made unreachable right after a good
// check it still says ready at once, and says 503 once the check is old.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, opsHeaders } from './lib/harness.mjs';

let s;
before(async () => { s = await startStack({ config: { KETEN_READY_CACHE_MS: '10000' } }); });
after(async () => {
  await psql('postgres', `ALTER DATABASE ${s.db} ALLOW_CONNECTIONS true`);
  await s.stop();
});

test('/metrics and /readyz need the ops token; /healthz does not', async () => {
  for (const p of ['/metrics', '/readyz']) {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${s.keys.integrator}` }, { authorization: 'Basic b3BzOm9wcw==' }]) {
      const r = await s.api('GET', p, { headers });
      assert.equal(r.status, 401, `${p} ${JSON.stringify(headers)}: ${r.text}`);
      assert.equal(r.json.error.code, 'unauthorized');
      assert.doesNotMatch(r.text, /keten_/, 'no metric leaks');
    }
    const ok = await s.api('GET', p, { headers: opsHeaders() });
    assert.equal(ok.status, 200, `${p}: ${ok.text}`);
  }
  assert.equal((await s.api('GET', '/healthz', { headers: { authorization: '' } })).status, 200);
});

test('/readyz answers from a recent good check, not a database round trip per call', async () => {
  assert.equal((await s.api('GET', '/readyz')).status, 200, 'a good check now');
  // The database goes away: no new session, the broker's cut.
  await psql('postgres', `ALTER DATABASE ${s.db} ALLOW_CONNECTIONS false;
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = '${s.db}' AND pid <> pg_backend_pid()`);
  const cached = await s.api('GET', '/readyz');
  assert.equal(cached.status, 200, 'within ready_cache_ms: ready without asking the database');
  assert.equal(cached.json.status, 'ready');
  // Once the good check is older than ready_cache_ms, the probe asks, and fails.
  await eventually(async () => (await s.api('GET', '/readyz')).status === 503, 40000,
    '/readyz says 503 once its check is old');
  await psql('postgres', `ALTER DATABASE ${s.db} ALLOW_CONNECTIONS true`);
  await eventually(async () => (await s.api('GET', '/readyz')).status === 200, 30000,
    'ready again');
});
