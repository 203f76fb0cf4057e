// calls-retention.test.mjs - the records of supplier calls (migration 025,
// read by the supplier scorecard) are purged after
// supplier_calls_retention_s by the housekeeping sweep of any node; newer
// ones are kept. The retention is shrunk to an hour for the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, eventually, psql } from './lib/harness.mjs';

test('supplier call records past their retention are purged; newer ones are kept', async () => {
  const s = await startStack();
  let b;
  try {
    await psql(s.db, "INSERT INTO supplier_calls (supplier_id, at, kind, http_status)"
      + " SELECT id, now() - interval '2 hours', 'old', 200 FROM suppliers WHERE key = 'netco'"
      + " UNION ALL SELECT id, now() - interval '30 minutes', 'kept', 429 FROM suppliers WHERE key = 'netco'");
    // The first node keeps them (400 days by default); a node started now
    // with an hour's retention sweeps at once.
    b = await startNode(s, 'sweeper', { KETEN_SUPPLIER_CALLS_RETENTION_S: '3600' });
    await eventually(async () => !(await psql(s.db,
      "SELECT 1 FROM supplier_calls WHERE kind = 'old'")).trim(), 15000, 'the old record purged');
    assert.equal((await psql(s.db, "SELECT kind FROM supplier_calls WHERE kind IN ('old', 'kept')")).trim(),
      'kept', 'only the old record went');
    await b.stop();
  } finally {
    await s.stop();
  }
});
