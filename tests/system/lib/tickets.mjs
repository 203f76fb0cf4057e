// tickets.mjs - what the system tests share about tickets on top of
// harness.mjs: an acme-workplace incident's body, filing one (to a
// component or fanned out, its legs delivered and accepted), moving its
// legs through the simulators, the caller's view, and what a simulator was
// sent or holds about one ticket.
import assert from 'node:assert/strict';
import { eventually, psql } from './harness.mjs';

// The acme-workplace incident: without a component it fans out to netco
// (vpn) and hostco (hosting).
export const ticketBody = (s, extra = {}) => ({
  service: s.services['acme-workplace'], type: 'incident', summary: 'VPN and portal down',
  description: 'Nobody can log in since 09:00.', impact: 2, urgency: 2, ...extra,
});

// Files an acme-workplace incident as acme, to component (a supplier's
// part: 'vpn' is netco's, 'hosting' hostco's); must be created. Returns
// the new ticket as the API answered it ({id, number, ...}).
export async function fileTicket(s, component, summary, impact = 2, urgency = 2) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    body: ticketBody(s, { summary, description: 'system test', impact, urgency, component }) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// The id of a new ticket filed as fileTicket does.
export async function fileTicketId(s, component, summary, impact = 2, urgency = 2) {
  return (await fileTicket(s, component, summary, impact, urgency)).id;
}

// The integrator's view of ticket id (a JSON body; must be found).
export async function ticketOf(s, id) {
  const v = await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.integrator });
  assert.equal(v.status, 200, v.text);
  return v.json;
}

// The tickets simulator sim holds for Keten ticket id (its creates that
// made one).
export async function supplierTickets(sim, id) {
  return (await sim.tickets()).filter((x) => x.keten_ticket === id);
}

// The events of a ticket view's timeline of this kind.
export const eventsOf = (view, kind) => view.timeline.filter((e) => e.kind === kind);

// A filter of a simulator's received requests: those about one of ids.
export const forTickets = (ids) => (x) => ids.includes(x.json?.data?.id);

// Files a ticket as acme and waits until each leg's create is delivered
// and its answer applied, so that no answer crosses a later update.
// Returns {id, number, legs: {netco: legId, hostco: legId}}.
export async function deliveredTicket(s, extra = {}) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: ticketBody(s, extra) });
  assert.equal(r.status, 201, r.text);
  const legs = await eventually(async () => {
    const v = await s.api('GET', `/v1/tickets/${r.json.id}`, { key: s.keys.integrator });
    return v.json.legs.length > 0 && v.json.legs.every((l) => l.external_id) && v.json.legs;
  }, 20000, 'every create delivered and accepted');
  return { id: r.json.id, number: r.json.number,
    legs: Object.fromEntries(legs.map((l) => [l.supplier.key, l.id])) };
}

// Sends supplier `who`'s update of its leg of t; must be applied.
export async function update(s, t, who, body) {
  const r = await s.sims[who].send({ leg_id: t.legs[who], ...body });
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.equal(r.body.result, 'applied', JSON.stringify(r.body));
  return r;
}

// Every leg of t resolved by its supplier: the ticket is resolved.
export async function resolvedTicket(s, extra = {}) {
  const t = await deliveredTicket(s, extra);
  for (const who of Object.keys(t.legs)) await update(s, t, who, { status: 'resolved' });
  assert.equal((await view(s, t, 'acme')).status, 'resolved');
  return t;
}

// The view of key `who` (a key name of the stack) of ticket t.
export async function view(s, t, who) {
  const r = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys[who] });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// The deliveries simulator `who` got about ticket t, of type leg.<op>
// (any when op is not given).
export async function sent(s, t, who, op) {
  return (await s.sims[who].received()).filter((x) => x.json?.data?.id === t.id &&
    (!op || x.json.type === `leg.${op}`));
}

// Waits until every outbox message of ticket t is done (its outcome and
// delivered event recorded), so event counts stand still.
export async function settled(s, t) {
  await eventually(async () => await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
    WHERE l.ticket_id = '${t.id}' AND o.state <> 'done'`) === '0', 20000, 'every message delivered');
}

// A fingerprint of everything a request could change about ticket t.
export async function snapshot(s, t) {
  return await psql(s.db, `SELECT t.status || '/' || t.consolidated || '/' || coalesce(t.resolved_at::text, '-')
    || '/' || (SELECT count(*) FROM events WHERE ticket_id = t.id)
    || '/' || (SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = t.id)
    || '/' || (SELECT string_agg(status, ',' ORDER BY id) FROM legs WHERE ticket_id = t.id)
    FROM tickets t WHERE t.id = '${t.id}'`);
}
