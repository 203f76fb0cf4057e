// topdesk.test.mjs - the `topdesk` adapter against tests/sim/topdesk-sim.mjs
// through a real broker: a create lands in the call type of its ticket type
// with its fields (briefDescription cut at 80 characters, externalNumber =
// the leg id), a type without an entry is refused at routing, an operator's
// status change, public action and work note come back by the automated
// action's push with the right visibility, a resolution resolves the leg,
// a reopen and a close reach the incident (flags, processing status, the
// reason as an action), a wrong mapping is an import error and `keten
// supplier check` tries the credentials and queries live, a create
// whose answer was lost is found by the lookup and a comment whose answer
// was lost by its marker: neither is written twice; a second, polled
// supplier on the same TOPdesk gets its statuses back by FIQL pages, also
// past one busy instant, and its operators' actions by the actions of the
// incidents those pages list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { certs, keten, eventually, psql, sleep, writeChain } from './lib/harness.mjs';
import { view } from './lib/tickets.mjs';
import {
  KEY, POLLED, PASSWORD, CALLER, US, mapping, topdeskChain, startTopdesk, stopTopdesk,
} from './lib/topdesk.mjs';

let s;
let sim;

before(async () => {
  ({ s, sim } = await startTopdesk({ KETEN_POLL_TICK_MS: '200',
    KETEN_SUPPLIER_TIMEOUT_MS: '1500', KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '300',
    KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '2000' }));
});

after(async () => { await stopTopdesk(s, sim); });

const file = (type, summary, extra = {}, service = 'acme-desk') => s.api('POST', '/v1/tickets', {
  key: s.keys.acme, body: { service: s.services[service], type, summary,
    description: 'Line one\nline <two> & more', impact: 2, urgency: 1, ...extra } });

const legOf = async (ticket) => psql(s.db, 'SELECT l.id FROM legs l JOIN suppliers p ON p.id = l.supplier_id' +
  ` WHERE l.ticket_id = '${ticket}' AND p.key IN ('${KEY}', '${POLLED}')`);
const legRow = async (leg) => {
  const [status, ext] = (await psql(s.db, `SELECT status, coalesce(external_id, '') FROM legs WHERE id = '${leg}'`)).split('|');
  return { status, ext };
};
const incidents = () => sim.control('GET', '/_sim/incidents');
const incidentOf = async (leg) => (await incidents()).filter((i) => i.externalNumber === leg);
const settled = (leg) => eventually(async () =>
  (await psql(s.db, `SELECT count(*) FROM outbox WHERE leg_id = '${leg}' AND state <> 'done'`)) === '0',
30000, 'the leg\'s messages done');

// A ticket of type at TOPdesk, linked: {ticket, leg, incident}.
async function delivered(type, summary, service) {
  const r = await file(type, summary, {}, service);
  assert.equal(r.status, 201, r.text);
  const leg = await legOf(r.json.id);
  const ext = await eventually(async () => (await legRow(leg)).ext, 20000, 'the leg linked');
  const [inc] = await incidentOf(leg);
  assert.equal(inc.id, ext, 'the leg names the incident TOPdesk made');
  return { ticket: r.json, leg, incident: inc };
}

test('a create lands in its type\'s call type with TOPdesk\'s fields; a type without an entry is refused', async () => {
  const long = 'Printer on floor 3 of the Utrecht office prints only blank pages since the update 🔥 of this morning';
  const { leg, incident } = await delivered('incident', long);
  assert.equal(incident.callType.name, 'Storing');
  assert.equal(incident.operatorGroup.name, 'Netwerk');
  assert.equal(incident.externalNumber, leg);
  assert.equal(incident.caller.id, CALLER);
  assert.ok(incident.briefDescription.length <= 80 && long.startsWith(incident.briefDescription),
    `briefDescription ${JSON.stringify(incident.briefDescription)}`);
  assert.ok(incident.request.startsWith(long), 'the whole summary opens the request');
  assert.ok(incident.request.includes('Line one<br>line &lt;two&gt; &amp; more'));
  assert.equal(incident.impact.name, 'Afdeling');
  assert.equal(incident.urgency.name, 'Hoog');
  assert.equal(incident.processingStatus.name, 'Aangemeld');
  const sent = (await sim.control('GET', '/_sim/received')).filter((x) => x.method === 'POST');
  assert.ok(sent.length >= 1 && sent.every((x) => x.answered === 201));

  const req = await delivered('request', 'New laptop for J. Jansen');
  assert.equal(req.incident.callType.name, 'Aanvraag');

  const r = await file('change', 'Replace core switch');
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'type_not_accepted');
});

test('keten supplier check: the credentials, the API version and the two FIQL queries, live', async () => {
  const env = { ...s.env, KETEN_SUPPLIER_CA: certs().ca };
  let r = keten(['supplier', 'check', KEY], { ...env, KETEN_SECRET_TOPDESK_PASSWORD: PASSWORD });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout.match(/^check \d: GET \S+: ok$/gm) || []).length, 3, r.stdout);
  r = keten(['supplier', 'check', KEY], { ...env, KETEN_SECRET_TOPDESK_PASSWORD: 'not-the-password' });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /check 0: GET \S+\/tas\/api\/version: HTTP 401/);
  assert.match(r.stdout + r.stderr, /application password/);
});

test('a wrong topdesk mapping is an import error at its path, and nothing changes', async () => {
  const doc = topdeskChain(sim.url)(s.sims);
  const td = doc.suppliers.find((x) => x.key === KEY);
  td.mapping = { ...mapping, caller: {}, entries: { incident: { category: { name: 'Netwerk' } } },
    colour: 'blue' };
  const file = path.join(s.dir, 'bad-chain.json');
  writeChain(file, doc);
  const before = await psql(s.db, `SELECT mapping::text FROM suppliers WHERE key = '${KEY}'`);
  for (const opts of [['--dry-run'], []]) {
    const r = keten(['chain', 'import', ...opts, file], s.env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const at = `/suppliers/${doc.suppliers.indexOf(td)}/mapping`;
    for (const p of ['/colour', '/caller', '/entries/incident']) {
      assert.ok(r.stderr.includes(`${at}${p}: `), `${p} in:\n${r.stderr}`);
    }
  }
  assert.equal(await psql(s.db, `SELECT mapping::text FROM suppliers WHERE key = '${KEY}'`), before);
});

test('an operator\'s status change, public action and work note come back by push; a resolution resolves the leg', async () => {
  const t = await delivered('incident', 'VPN drops every 5 minutes');
  const change = (body) => sim.control('POST', '/_sim/change', { incident: t.incident.id, ...body });

  let c = await change({ processingStatus: 'In behandeling' });
  assert.equal(c.push.status, 200, JSON.stringify(c.push));
  await eventually(async () => (await legRow(t.leg)).status === 'in_progress', 10000, 'leg in progress');

  const pub = 'Engineer on site at 14:00 <ETA> & counting';
  c = await change({ action: pub });
  assert.equal(c.push.status, 200, JSON.stringify(c.push));
  const note = 'WORK NOTE: RADIUS logs show the tunnel dropping';
  c = await change({ action: note, invisible: true });
  assert.equal(c.push.status, 200, JSON.stringify(c.push));

  await eventually(async () => (await view(s, t.ticket, 'acme')).timeline.some((e) => e.text === pub),
    10000, 'the customer sees the public action');
  const customer = JSON.stringify(await view(s, t.ticket, 'acme'));
  assert.ok(!customer.includes(note), 'the customer never sees the work note');
  const i = (await view(s, t.ticket, 'integrator')).timeline;
  assert.equal(i.find((e) => e.data?.text === note)?.visibility, 'supplier');
  assert.equal(i.find((e) => e.data?.text === pub)?.visibility, 'customer');

  // The same push again (TOPdesk retrying its card) applies nothing twice.
  const fields = ['id', 'number', 'externalNumber', 'modificationDate', 'processingStatus', 'completed',
    'closed', 'modifier'];
  const again = await sim.control('POST', '/_sim/push', {
    body: { ...Object.fromEntries(fields.map((k) => [k, c.incident[k]])), action: c.action } });
  assert.equal(again.status, 200);
  assert.equal(again.body.result, 'duplicate');

  // A wrong token is refused, the application password too.
  for (const token of ['wrong', PASSWORD]) {
    const bad = await sim.control('POST', '/_sim/push', { body: { id: t.incident.id }, token });
    assert.equal(bad.status, 401, token);
  }

  c = await change({ processingStatus: 'Opgelost', completed: true });
  assert.equal(c.push.status, 200, JSON.stringify(c.push));
  await eventually(async () => (await legRow(t.leg)).status === 'resolved', 10000, 'leg resolved');

  // The customer reopens: TOPdesk's incident is completed no more, back in
  // progress, with the reason as an action the caller sees.
  const reason = 'Still dropping in Delft';
  let r = await s.api('POST', `/v1/tickets/${t.ticket.id}/reopen`, { key: s.keys.acme, body: { reason } });
  assert.equal(r.status, 200, r.text);
  await settled(t.leg);
  let [inc] = await incidentOf(t.leg);
  assert.equal(inc.completed, false);
  assert.equal(inc.processingStatus.name, 'In behandeling');
  const why = inc.actions.find((a) => a.plainText.startsWith(reason));
  assert.ok(why, JSON.stringify(inc.actions));
  assert.equal(why.invisibleForCaller, false);
  assert.equal(why.operator.id, US, 'written by Keten\'s operator');

  // Resolved again at TOPdesk, then the customer confirms: closed there too.
  c = await change({ processingStatus: 'Opgelost', completed: true });
  await eventually(async () => (await legRow(t.leg)).status === 'resolved', 10000, 'leg resolved again');
  r = await s.api('POST', `/v1/tickets/${t.ticket.id}/close`, { key: s.keys.acme });
  assert.equal(r.status, 200, r.text);
  await settled(t.leg);
  [inc] = await incidentOf(t.leg);
  assert.equal(inc.closed, true);
  assert.equal(inc.processingStatus.name, 'Gesloten');
});

test('a customer\'s comment becomes a public action once, even when its answer is lost', async () => {
  const t = await delivered('incident', 'Mail bounces');
  await settled(t.leg);
  await sim.control('POST', '/_sim/mode', { mode: 'status', status: 503, apply: true });
  const text = 'Bounces come from the Delft office too';
  const r = await s.api('POST', `/v1/tickets/${t.ticket.id}/comments`, { key: s.keys.acme,
    body: { text, visibility: 'customer' } });
  assert.equal(r.status, 201, r.text);
  await eventually(async () => (await sim.control('GET', '/_sim/received'))
    .some((x) => x.method === 'PATCH' && x.applied === 200), 15000, 'the action written, its answer lost');
  await sim.control('POST', '/_sim/mode', { mode: 'normal' });
  await settled(t.leg);
  const [inc] = await incidentOf(t.leg);
  const mine = inc.actions.filter((a) => a.plainText.startsWith(text));
  assert.equal(mine.length, 1, `one action: ${JSON.stringify(inc.actions)}`);
  assert.equal(mine[0].invisibleForCaller, false);
  assert.match(mine[0].memoText, /\[keten:event:\d+\]$/);
  // TOPdesk's automated action fires for Keten's own action too: that push
  // is an echo and adds nothing to the ticket.
  const [act] = mine;
  const echo = await sim.control('POST', '/_sim/push', { body: { id: inc.id, number: inc.number,
    externalNumber: inc.externalNumber, modificationDate: inc.modificationDate,
    processingStatus: inc.processingStatus, completed: inc.completed, closed: inc.closed,
    modifier: inc.modifier, action: act } });
  assert.notEqual(echo.body?.result, 'applied', JSON.stringify(echo));
  await settled(t.leg);
  const seen = (await view(s, t.ticket, 'integrator')).timeline
    .filter((e) => (e.text ?? e.data?.text ?? '').startsWith(text));
  assert.equal(seen.length, 1, `the comment once on the timeline: ${JSON.stringify(seen)}`);
  const checks = (await sim.control('GET', '/_sim/received'))
    .filter((x) => x.method === 'GET' && x.path === `/tas/api/incidents/id/${inc.id}/actions`);
  assert.ok(checks.length >= 1, 'the retry read the actions first');
});

test('a create whose answer is lost is found by externalNumber and never duplicated', async () => {
  await sim.control('POST', '/_sim/mode', { mode: 'status', status: 503, apply: true });
  const r = await file('incident', 'Lost answer');
  assert.equal(r.status, 201, r.text);
  const leg = await legOf(r.json.id);
  await eventually(async () => (await incidentOf(leg)).length === 1, 15000, 'TOPdesk made the incident');
  await sleep(500);
  await sim.control('POST', '/_sim/mode', { mode: 'normal' });
  const ext = await eventually(async () => (await legRow(leg)).ext, 30000, 'the leg linked');
  await settled(leg);
  const mine = await incidentOf(leg);
  assert.equal(mine.length, 1, 'one incident');
  assert.equal(mine[0].id, ext);
  const lookups = (await sim.control('GET', '/_sim/received')).filter((x) => x.method === 'GET' &&
    x.path.includes(`externalNumber%3D%3D${leg}`));
  assert.ok(lookups.length >= 1, 'looked up before any re-create');
});

test('polled: status changes come back by FIQL pages, also past one busy instant', async () => {
  const legs = [];
  for (const n of [1, 2, 3]) legs.push(await delivered('incident', `Polled ${n}`, 'acme-desk-polled'));
  const change = (t, body) => sim.control('POST', '/_sim/change', { incident: t.incident.id, push: false, ...body });

  await change(legs[0], { processingStatus: 'In behandeling' });
  await eventually(async () => (await legRow(legs[0].leg)).status === 'in_progress', 15000,
    'the polled status');
  // Three incidents changed at one instant, two to a page: the page past
  // that instant asks for all of it (creationDate marks it).
  const at = new Date(Date.now() + 500).toISOString();
  for (const t of legs) await change(t, { processingStatus: 'Wacht op klant', at });
  for (const t of legs) {
    await eventually(async () => (await legRow(t.leg)).status === 'pending_customer', 15000,
      `${t.incident.number} pending the customer`);
  }
  const polls = (await sim.control('GET', '/_sim/received')).filter((x) => x.method === 'GET' &&
    x.path.startsWith('/tas/api/incidents?query=modificationDate'));
  assert.ok(polls.every((x) => x.path.includes('&all=true') && x.answered !== 400), JSON.stringify(polls.at(-1)));
  assert.ok(polls.some((x) => x.path.includes('pageSize=10000') && x.path.includes('creationDate')),
    'a page of the whole busy instant');
  await change(legs[1], { processingStatus: 'Opgelost', completed: true });
  await eventually(async () => (await legRow(legs[1].leg)).status === 'resolved', 15000, 'resolved by poll');
  // Nothing the push supplier made was taken by the polled one.
  assert.equal(await psql(s.db, `SELECT count(*) FROM legs l JOIN suppliers p ON p.id = l.supplier_id
    WHERE p.key = '${POLLED}'`), '3');
});

test('polled: a public action and a work note come back by the actions of the listed incidents, once each', async () => {
  const t = await delivered('incident', 'Polled comments', 'acme-desk-polled');
  await settled(t.leg);
  // Keten's own comment goes to TOPdesk as an action of its operator: the
  // poll reads it back and passes it over.
  const ours = 'Customer: the printer in room 3 too';
  let r = await s.api('POST', `/v1/tickets/${t.ticket.id}/comments`, { key: s.keys.acme,
    body: { text: ours, visibility: 'customer' } });
  assert.equal(r.status, 201, r.text);
  await settled(t.leg);
  const change = (body) => sim.control('POST', '/_sim/change', { incident: t.incident.id, push: false, ...body });
  const pub = 'Polled: engineer <on site> & testing';
  const note = 'Polled WORK NOTE: switch port 12 flaps';
  await change({ action: pub });
  await change({ action: note, invisible: true });
  const texts = async (who) => (await view(s, t.ticket, who)).timeline.map((e) => e.text ?? e.data?.text);
  await eventually(async () => {
    const all = await texts('integrator');
    return all.includes(pub) && all.includes(note);
  }, 20000, 'both actions polled');
  const i = (await view(s, t.ticket, 'integrator')).timeline;
  assert.equal(i.find((e) => e.data?.text === note)?.visibility, 'supplier', 'the invisible action is a work note');
  assert.equal(i.find((e) => e.data?.text === pub)?.visibility, 'customer', 'the public action is public');
  const customer = JSON.stringify(await view(s, t.ticket, 'acme'));
  assert.ok(customer.includes('Polled: engineer <on site> & testing'), 'the customer sees the public action');
  assert.ok(!customer.includes(note), 'the customer never sees the work note');
  // Later passes read the same actions again (the overlap): still once.
  const reads = async () => (await sim.control('GET', '/_sim/received')).filter((x) =>
    x.path.startsWith(`/tas/api/incidents/id/${t.incident.id}/actions?`)).length;
  const seen = await reads();
  await eventually(async () => (await reads()) >= seen + 2, 20000, 'two more reads of its actions');
  const all = await texts('integrator');
  for (const text of [pub, note, ours]) {
    assert.equal(all.filter((x) => x === text).length, 1, `${text} once: ${JSON.stringify(all)}`);
  }
  const polled = (await sim.control('GET', '/_sim/received')).filter((x) =>
    x.path.startsWith(`/tas/api/incidents/id/${t.incident.id}/actions?`));
  assert.ok(polled.every((x) => x.answered === 200 && /start=\d+&page_size=100/.test(x.path)),
    JSON.stringify(polled.at(-1)));
});
