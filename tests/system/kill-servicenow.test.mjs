// kill-servicenow.test.mjs - kill -9 of the delivering node at the worst
// moment of each ServiceNow write that is not idempotent, or that a later
// step depends on: ServiceNow took the write (the simulator applied it and
// holds its answer), Keten has not recorded it. A fresh node takes the
// message over when the lease runs out and must first read whether the
// write landed: an incident is found by its correlation_id, a catalog
// order by Keten's reference in its variables (then given its correlation
// id), a correlation PATCH is found by the lookup, a comment by its marker
// in the journal. ServiceNow holds exactly one copy each time, and the
// message and the leg end right (the kill itself: lib/kill.mjs).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, psql } from './lib/harness.mjs';
import { killer } from './lib/kill.mjs';
import { PASSWORD, TOKEN, startSnow, stopSnow, snowTickets } from './lib/servicenow.mjs';

let s;
let sn;
const { killAtWrite, received, done, cleanup } = killer(() => s, () => sn, {
  KETEN_SECRET_SNOW: PASSWORD, KETEN_SECRET_INBOUND_SNOW: TOKEN, KETEN_LEASE_MS: '2500',
  KETEN_SUPPLIER_TIMEOUT_MS: '2000', KETEN_DISPATCH_INTERVAL_MS: '200', KETEN_RETRY_BASE_MS: '100',
  KETEN_RETRY_MAX_MS: '500', KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
});

before(async () => { ({ s, sn } = await startSnow({ KETEN_DISPATCH: '0' })); });
afterEach(cleanup);
after(async () => { await stopSnow(s, sn); });

const { fileTicket, legOf, integratorView } = snowTickets(() => s);
const records = async (table, summary) => (await sn.control('GET', `/_sim/records?table=${table}`))
  .filter((r) => r.short_description === summary);
const messages = (leg) => psql(s.db, `SELECT operation || ':' || state FROM outbox WHERE leg_id = '${leg}' ORDER BY seq`);
const settled = (leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state <> 'done'`)) === '0',
30000, 'the leg\'s messages done');

// Files a ticket of type as the trigger of a kill: {ticket, leg}.
async function filed(type, summary) {
  const ticket = await fileTicket(type, summary);
  return { ticket, leg: (await legOf(ticket)).id };
}

// A delivered ticket of type, as the preparation of a kill.
async function delivered(type, summary) {
  const t = await filed(type, summary);
  await settled(t.leg);
  return { ...t, external: (await legOf(t.ticket)).external };
}

// The one record of summary in table, linked to leg both ways.
async function oneRecord(table, summary, leg) {
  const mine = await records(table, summary);
  assert.equal(mine.length, 1, `one ${table} record: ${JSON.stringify(mine.map((r) => r.number))}`);
  assert.equal(mine[0].correlation_id, leg, 'it carries our reference');
  assert.equal((await psql(s.db, `SELECT external_id FROM legs WHERE id = '${leg}'`)), mine[0].sys_id,
    'the leg names it');
  return mine[0];
}

test('create: killed once ServiceNow made the incident, the successor finds it by correlation_id', async () => {
  const summary = 'Killed incident create';
  const { ctx: t, next, from } = await killAtWrite('POST', async () => null, () => filed('incident', summary));
  await settled(t.leg);
  await oneRecord('incident', summary, t.leg);
  assert.equal(await messages(t.leg), 'create:done');
  const after = (await received()).slice(from);
  assert.equal(after.filter((x) => x.method === 'POST').length, 1, 'never posted again');
  await done(next);
});

// The order (POST order_now), then its correlation (PATCH).
for (const [method, moment] of [['POST', 'placed the order'], ['PATCH', 'took the correlation']]) {
  test(`catalog order: killed once ServiceNow ${moment}, the successor finds it and never orders twice`, async () => {
    const summary = `Killed catalog order (${method})`;
    const { ctx: t, next, from } = await killAtWrite(method, async () => null, () => filed('request', summary));
    await settled(t.leg);
    await oneRecord('sc_request', summary, t.leg);
    assert.equal(await messages(t.leg), 'create:done');
    const after = (await received()).slice(from);
    assert.equal(after.filter((x) => x.path.endsWith('/order_now')).length, 1, 'ordered once');
    if (method === 'POST') {
      assert.ok(after.some((x) => x.path.endsWith('/sc_item_option_mtom') &&
        x.query.sysparm_query.includes(`sc_item_option.value=${t.leg}`)), 'found by its reference variable');
    }
    await done(next);
  });
}

test('comment: killed once ServiceNow took the journal entry, the successor finds its marker', async () => {
  const text = 'Killed comment: users in Delft too';
  const { ctx: t, next, from } = await killAtWrite('PATCH', () => delivered('incident', 'Killed comment'),
    async (base) => {
      const r = await s.api('POST', `/v1/tickets/${base.ticket}/comments`, { key: s.keys.acme,
        body: { text, visibility: 'customer' } });
      assert.equal(r.status, 201, r.text);
      return base;
    });
  await settled(t.leg);
  const entries = (await sn.control('GET', '/_sim/journal'))
    .filter((e) => e.element_id === t.external && e.value.startsWith(text));
  assert.equal(entries.length, 1, `one journal entry: ${JSON.stringify(entries)}`);
  assert.equal(entries[0].element, 'comments');
  assert.equal(await messages(t.leg), 'create:done\ncomment:done');
  const after = (await received()).slice(from);
  assert.ok(after.some((x) => x.method === 'GET' && x.path.endsWith('/sys_journal_field')),
    'the successor read the journal first');
  assert.equal(after.filter((x) => x.method === 'PATCH').length, 1, 'and never wrote the entry again');
  const seen = (await integratorView(t.ticket)).timeline.filter((e) => (e.text ?? e.data?.text) === text);
  assert.equal(seen.length, 1, 'the comment once on the timeline');
  await done(next);
});
