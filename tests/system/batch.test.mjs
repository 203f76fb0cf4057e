// batch.test.mjs - outcomes that finish while an earlier outcome is still
// being recorded are recorded together, in one transaction, once that
// record is done (those finishing within dispatch_record_wait_ms of the
// earlier one may join its record) (dispatch/dispatcher.c flush_finished, store/tx_outbox.c
// kt_store_outbox_finish_all). A lock on one ticket holds the first
// record; the deliveries of other tickets finish meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql, lockSession } from './lib/harness.mjs';
import { deliveredTicket, fileTicketId } from './lib/tickets.mjs';
import { scrape, value } from './lib/metrics.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const list = (ids) => ids.map((x) => `'${x}'`).join(',');
const delivered = async () =>
  value(await scrape(s), 'keten_deliveries_total', { supplier: 'netco', outcome: 'delivered' });

test('outcomes that finish during a record are recorded together after it', async () => {
  const a = await deliveredTicket(s, { component: 'vpn' });
  const count0 = await delivered();
  // The record of a's next message waits for this lock on a's ticket.
  const ids = [];
  const lock = lockSession(s.db, `SELECT 1 FROM tickets WHERE id = '${a.id}' FOR UPDATE`);
  try {
    await eventually(async () => lock.locked(), 10000, 'the ticket locked');
    await psql(s.db, `INSERT INTO outbox (leg_id, supplier_id, seq, operation, idempotency_key,
        priority)
      SELECT leg_id, supplier_id, seq + 1, 'update', idempotency_key || '-again', priority FROM outbox
      WHERE leg_id = '${a.legs.netco}' ORDER BY seq DESC LIMIT 1`);
    for (let i = 0; i < 4; i++) ids.push(await fileTicketId(s, 'vpn', `batch ${i}`));
    // a's update and the four creates answered: their outcomes wait.
    await eventually(async () => (await delivered()) >= count0 + 5, 20000,
      'five deliveries answered');
    const pending = await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
      WHERE l.ticket_id IN (${list(ids)}) AND o.state = 'pending'`);
    assert.equal(pending, '4', 'no outcome of the four recorded while the first record waits');
  } finally {
    await lock.release();
  }
  await eventually(async () => (await psql(s.db, `SELECT count(*) FROM outbox o
    JOIN legs l ON l.id = o.leg_id WHERE o.state = 'done' AND l.ticket_id IN (${list(ids)})`)) === '4',
  20000, 'the four creates recorded');
  // Outcomes that finish within dispatch_record_wait_ms of a's may join a's
  // own record (held by the lock); every one that finished after it was
  // handed over waits for it and goes in ONE transaction after it.
  const xacts = await psql(s.db, `SELECT count(DISTINCT o.xmin::text) FROM outbox o
    JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id IN (${list(ids)})
    AND o.xmin::text <> (SELECT xmin::text FROM outbox WHERE leg_id = '${a.legs.netco}'
      ORDER BY seq DESC LIMIT 1)`);
  assert.ok(Number(xacts) <= 1,
    `the outcomes that finished during the held record, recorded in one transaction: ${xacts}`);
  const events = await psql(s.db, `SELECT count(*) FROM events e
    WHERE e.kind = 'delivered' AND e.ticket_id IN (${list(ids)})`);
  assert.equal(events, '4');
});
