// shutdown.test.mjs - SIGTERM drains: the broker stops accepting, answers
// every API request already in flight (even one waiting on a lock), and
// exits cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStack, eventually, psql } from './lib/harness.mjs';

test('SIGTERM answers the requests in flight, then exits 0', async () => {
  const s = await startStack();
  let lock;
  try {
    lock = spawn('psql', ['-h', process.env.KETEN_TEST_PGHOST, '-U', 'postgres', '-d', s.db,
      '-XAtq'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    lock.stdout.on('data', (d) => { out += d; });
    lock.stdin.write("BEGIN;\nLOCK TABLE tickets IN SHARE MODE;\nSELECT 'locked';\n");
    await eventually(async () => out.includes('locked'), 10000, 'the lock');
    const pending = s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
      service: s.services['acme-workplace'], type: 'incident', summary: 'in flight at shutdown',
      description: '', impact: 1, urgency: 1 } });
    await eventually(async () => await psql(s.db,
      "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") === '1', 10000, 'the wait');
    s.proc.kill('SIGTERM');
    await eventually(async () => /shutting down/.test(s.log.text), 10000, 'the drain to start');
    lock.stdin.end('COMMIT;\n');
    const r = await pending;
    assert.equal(r.status, 201, r.text);
    await new Promise((res) => (s.proc.exitCode !== null ? res() : s.proc.once('exit', res)));
    assert.equal(s.proc.exitCode, 0, s.log.text.slice(-3000));
    assert.equal(await psql(s.db, `SELECT count(*) FROM tickets WHERE id = '${r.json.id}'`), '1');
  } finally {
    lock?.kill();
    await s.stop();
  }
});
