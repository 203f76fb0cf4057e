// kill.test.mjs - kill -9 of the delivering node at the worst moment of
// each RT write that is not idempotent, against the real RT: a TLS proxy
// between the broker and RT's stunnel (startRtProxy) lets the write reach
// RT and holds RT's answer, the test kills the node with SIGKILL
// (tests/system/lib/kill.mjs), and a fresh node takes the message over
// when its lease runs out. It must first read whether the write landed: a
// create is found by our reference's custom field, a reply by Keten's
// marker in RT's attachments. RT holds exactly one copy each time, and the
// message and the leg end right.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc, eventually, psql } from '../system/lib/harness.mjs';
import { killer } from '../system/lib/kill.mjs';
import { ticketBody } from '../system/lib/tickets.mjs';
import { env, mapping, rt, rtMessages, startRtProxy } from './lib.mjs';

let s;
let proxy;
const { killAtWrite, received, done, cleanup } = killer(() => s, () => proxy, {
  KETEN_SECRET_RT_TOKEN: env.RT_TOKEN, KETEN_LEASE_MS: '6000', KETEN_SUPPLIER_TIMEOUT_MS: '5000',
  KETEN_DISPATCH_INTERVAL_MS: '200', KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '500',
  KETEN_SUPPLIER_SEARCH_LAG_MS: '0',
});

// The tests' chain with netco the RT behind the proxy, taking incidents.
const chain = (sims) => {
  const doc = chainDoc(sims);
  doc.suppliers[0] = { key: 'netco', name: 'NetCo RT', adapter: 'rt', endpoint: proxy.url,
    secret_ref: 'env:KETEN_SECRET_NETCO',
    auth: { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_SECRET_RT_TOKEN' },
    mapping: { ...mapping, queues: { incident: mapping.queues.incident } } };
  return doc;
};

before(async () => {
  proxy = await startRtProxy();
  s = await startStack({ chain, config: { KETEN_SECRET_RT_TOKEN: env.RT_TOKEN, KETEN_DISPATCH: '0' } });
});
afterEach(cleanup);
after(async () => {
  await s.stop();
  await proxy.close();
});

const legOf = (ticket) => psql(s.db, `SELECT l.id || '|' || coalesce(l.external_id, '') FROM legs l
  JOIN suppliers p ON p.id = l.supplier_id WHERE l.ticket_id = '${ticket}' AND p.key = 'netco'`);
const messages = (leg) => psql(s.db, `SELECT operation || ':' || state FROM outbox WHERE leg_id = '${leg}' ORDER BY seq`);
const settled = (leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state <> 'done'`)) === '0',
40000, 'the leg\'s messages done');

async function file(summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    body: ticketBody(s, { component: 'vpn', summary }) });
  assert.equal(r.status, 201, r.text);
  const [leg] = (await legOf(r.json.id)).split('|');
  return { ticket: r.json.id, leg };
}

// The RT tickets whose subject is summary.
async function rtTickets(summary) {
  const q = encodeURIComponent(`Subject = '${summary}'`);
  return (await rt(`/tickets?query=${q}&fields=Subject`)).items;
}

test('create: killed once RT made the ticket, the successor finds it by our reference', async () => {
  const summary = 'Killed RT create';
  const { ctx: t, next, from } = await killAtWrite('POST', async () => null, () => file(summary));
  await settled(t.leg);
  const mine = await rtTickets(summary);
  assert.equal(mine.length, 1, `one RT ticket: ${JSON.stringify(mine)}`);
  const [, ext] = (await legOf(t.ticket)).split('|');
  assert.equal(ext, String(mine[0].id), 'the leg names it');
  assert.equal(await messages(t.leg), 'create:done');
  const after = (await received()).slice(from);
  assert.equal(after.filter((x) => x.method === 'POST').length, 1, 'never created again');
  assert.ok(after.some((x) => x.method === 'GET' && x.path.startsWith('/REST/2.0/tickets?')),
    'the successor looked it up');
  await done(next);
});

test('reply: killed once RT took the reply, the successor finds Keten\'s marker', async () => {
  const text = 'Killed RT reply: it drops in Delft too';
  const { ctx: t, next, from } = await killAtWrite('POST', async () => {
    const base = await file('Killed RT reply');
    await settled(base.leg);
    return base;
  }, async (base) => {
    const r = await s.api('POST', `/v1/tickets/${base.ticket}/comments`, { key: s.keys.acme,
      body: { text, visibility: 'customer' } });
    assert.equal(r.status, 201, r.text);
    return base;
  });
  await settled(t.leg);
  const [, ext] = (await legOf(t.ticket)).split('|');
  assert.deepEqual(await rtMessages(ext, text), ['Correspond'], 'one reply in RT');
  assert.equal(await messages(t.leg), 'create:done\ncomment:done');
  const after = (await received()).slice(from);
  assert.equal(after.filter((x) => x.method === 'POST').length, 1, 'never written again');
  assert.ok(after.some((x) => x.method === 'GET' && x.path.startsWith('/REST/2.0/attachments?')),
    'the successor searched its marker first');
  await done(next);
});
