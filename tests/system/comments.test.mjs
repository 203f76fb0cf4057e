// comments.test.mjs - POST /v1/tickets/{id}/comments and supplier
// comments, and who sees them: a customer's comment reaches every open
// leg's supplier; the integrator writes notes nobody else sees, replies
// the customer sees, and messages to one supplier; a supplier's public
// comment reaches the customer and the other open legs' suppliers, its
// work notes only the integrator. Leak cases, tenants and bad bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, psql } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { deliveredTicket, update, view, sent, snapshot, settled } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s.stop(); });

const comment = (t, who, body, opts = {}) =>
  s.api('POST', `/v1/tickets/${t.id}/comments`, { key: s.keys[who], body, ...opts });

// The leg.comment deliveries simulator `who` got about t with this text.
async function commentsTo(t, who, text) {
  return (await sent(s, t, who, 'comment')).filter((x) => x.json.comment?.text === text);
}

// Waits for exactly one such delivery; returns it.
async function oneCommentTo(t, who, text) {
  const got = await eventually(async () => {
    const c = await commentsTo(t, who, text);
    return c.length > 0 && c;
  }, 15000, `${who} to get "${text}"`);
  assert.equal(got.length, 1);
  assert.equal(got[0].verified, true);
  return got[0];
}

// Once every message of t is done and the dispatcher claimed twice more,
// checks that simulator `who` got nothing with this text.
async function neverTo(t, who, text) {
  await settled(s, t);
  await dispatchRounds(s);
  assert.deepEqual(await commentsTo(t, who, text), [], `${who} must not get "${text}"`);
}

test('a customer comment reaches the supplier of every open leg, and everyone on the ticket sees it', async () => {
  const t = await deliveredTicket(s);
  const text = 'Users in Delft are affected too.';
  const r = await comment(t, 'acme', { text });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.kind, 'comment');
  assert.equal(r.json.visibility, 'customer');
  assert.equal(r.json.text, text);
  assert.equal(r.json.ticket_id, t.id);
  assert.match(r.json.id, /^\d+$/);
  assert.equal(r.json.leg_id, undefined);
  for (const who of ['netco', 'hostco']) {
    const m = await oneCommentTo(t, who, text);
    assert.equal(m.json.comment.author, 'customer');
    assert.equal(m.json.comment.origin, `keten:event:${r.json.id}`);
    assert.equal(m.json.data.leg.id, t.legs[who]);
    // Format version 2: the comment is the message; the history is not sent.
    assert.equal(m.json.version, 2);
    assert.equal(m.json.comment.text, text);
    assert.equal(m.json.data.timeline, undefined);
    assert.ok((await view(s, t, who)).timeline.some((e) => e.text === text));
  }
  assert.ok((await view(s, t, 'acme')).timeline.some((e) => e.kind === 'comment' && e.text === text && e.actor === 'customer'));

  // A resolved leg is not open: only netco hears the next one.
  await update(s, t, 'hostco', { status: 'resolved' });
  const second = 'Delft is fine again, Utrecht still down.';
  assert.equal((await comment(t, 'acme', { text: second, visibility: 'customer' })).status, 201);
  await oneCommentTo(t, 'netco', second);
  await neverTo(t, 'hostco', second);
});

test('the integrator: a note nobody else sees, a reply the customer sees, a message to one supplier', async () => {
  const t = await deliveredTicket(s);
  const outboxBefore = await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = '${t.id}'`);
  // A note: no message to anyone.
  const note = 'INTEGRATOR-NOTE: netco is behind on its UC this month';
  let r = await comment(t, 'integrator', { text: note, visibility: 'integrator' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.kind, 'note');
  assert.equal(await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id WHERE l.ticket_id = '${t.id}'`), outboxBefore);
  // Without a visibility the integrator writes a note too (the safe default).
  r = await comment(t, 'integrator', { text: 'INTEGRATOR-NOTE-2' });
  assert.equal(r.status, 201);
  assert.equal(r.json.visibility, 'integrator');

  // A reply to the customer: customer-visible, sent to both open legs.
  const reply = 'Both suppliers are on it; next update at 11:00.';
  r = await comment(t, 'integrator', { text: reply, visibility: 'customer' });
  assert.equal(r.status, 201);
  for (const who of ['netco', 'hostco']) {
    assert.equal((await oneCommentTo(t, who, reply)).json.comment.author, 'integrator');
  }

  // A message to hostco alone.
  const direct = 'DIRECT-TO-HOSTCO: please check the load balancer first';
  r = await comment(t, 'integrator', { text: direct, visibility: 'supplier', leg: t.legs.hostco });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.leg_id, t.legs.hostco);
  assert.equal((await oneCommentTo(t, 'hostco', direct)).json.comment.author, 'integrator');
  await neverTo(t, 'netco', direct);

  const c = JSON.stringify(await view(s, t, 'acme'));
  assert.ok(c.includes(reply));
  for (const x of [note, 'INTEGRATOR-NOTE-2', direct]) assert.ok(!c.includes(x), `the customer sees ${x}`);
  const n = JSON.stringify(await view(s, t, 'netco'));
  assert.ok(n.includes(reply));
  for (const x of [note, 'INTEGRATOR-NOTE-2', direct]) assert.ok(!n.includes(x), `netco sees ${x}`);
  const h = JSON.stringify(await view(s, t, 'hostco'));
  assert.ok(h.includes(direct) && h.includes(reply));
  assert.ok(!h.includes(note));
  const i = (await view(s, t, 'integrator')).timeline;
  assert.equal(i.find((e) => e.data.text === note).visibility, 'integrator');
  assert.equal(i.find((e) => e.data.text === direct).leg_id, t.legs.hostco);
});

test('a supplier\'s public comment reaches the customer and the other open legs; its work notes stay with the integrator', async () => {
  const t = await deliveredTicket(s);
  const pub = 'NETCO-PUBLIC: tunnel endpoint replaced, please retest';
  const work = 'NETCO-WORK-NOTE: config of vpn-gw-3 was wrong since Tuesday';
  await update(s, t, 'netco', { status: 'in_progress', comment: { text: pub, public: true } });
  await update(s, t, 'netco', { comment: { text: work, public: false } });
  const hostWork = 'HOSTCO-WORK-NOTE: rebooted lb-2';
  await update(s, t, 'hostco', { comment: { text: hostWork, public: false } });

  // hostco gets netco's public comment, without netco's name; netco does not get its own back.
  const m = await oneCommentTo(t, 'hostco', pub);
  assert.equal(m.json.comment.author, 'supplier');
  assert.match(m.json.comment.origin, /^keten:event:\d+$/);
  assert.ok(!m.body.includes('netco'), 'no name of the other supplier');
  assert.ok(!m.body.includes(t.legs.netco), 'no leg of the other supplier');
  await neverTo(t, 'netco', pub);
  // Work notes are relayed to nobody.
  assert.deepEqual(await commentsTo(t, 'hostco', work), []);
  assert.deepEqual(await commentsTo(t, 'netco', hostWork), []);

  const c = await view(s, t, 'acme');
  const shown = c.timeline.find((e) => e.text === pub);
  assert.ok(shown, 'the customer sees the public comment');
  assert.equal(shown.actor, 'supplier');
  const ctext = JSON.stringify(c);
  for (const x of [work, hostWork, 'netco', 'hostco', t.legs.netco, t.legs.hostco]) {
    assert.ok(!ctext.includes(x), `the customer sees ${x}`);
  }
  // A supplier never sees another supplier's notes, comments on its leg, or legs.
  const n = JSON.stringify(await view(s, t, 'netco'));
  assert.ok(n.includes(work) && n.includes(pub));
  for (const x of [hostWork, t.legs.hostco, 'hostco']) assert.ok(!n.includes(x), `netco sees ${x}`);
  const h = JSON.stringify(await view(s, t, 'hostco'));
  assert.ok(h.includes(hostWork));
  for (const x of [work, pub, t.legs.netco, 'netco']) assert.ok(!h.includes(x), `hostco's view shows ${x}`);
  // What hostco was sent is its own view too: never netco's work note.
  for (const d of await sent(s, t, 'hostco')) assert.ok(!d.body.includes(work));
  const i = (await view(s, t, 'integrator')).timeline;
  assert.equal(i.find((e) => e.data.text === work).visibility, 'supplier');
  assert.equal(i.find((e) => e.data.text === pub).visibility, 'customer');
});

test('comments on another tenant\'s ticket are 404, suppliers may not post (403), a closed ticket takes only notes (409)', async () => {
  const t = await deliveredTicket(s);
  const before = await snapshot(s, t);
  const g = await comment(t, 'globex', { text: 'hello' });
  assert.equal(g.status, 404);
  assert.equal(g.json.error.code, 'not_found');
  for (const who of ['netco', 'hostco']) {
    const r = await comment(t, who, { text: 'hello' });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
  }
  const none = await s.api('POST', '/v1/tickets/00000000-0000-4000-8000-000000000000/comments',
    { key: s.keys.acme, body: { text: 'hello' } });
  assert.equal(none.status, 404);
  assert.equal(await snapshot(s, t), before);

  for (const who of ['netco', 'hostco']) await update(s, t, who, { status: 'resolved' });
  assert.equal((await s.api('POST', `/v1/tickets/${t.id}/close`, { key: s.keys.acme })).status, 200);
  await settled(s, t); // the close's own messages to the suppliers, delivered
  const closed = await snapshot(s, t);
  for (const [who, body] of [['acme', { text: 'one more thing' }],
    ['integrator', { text: 'to the customer', visibility: 'customer' }],
    ['integrator', { text: 'to netco', visibility: 'supplier', leg: t.legs.netco }]]) {
    const r = await comment(t, who, body);
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'ticket_closed');
  }
  assert.equal(await snapshot(s, t), closed);
  assert.equal((await comment(t, 'integrator', { text: 'post-mortem: see PRB-7', visibility: 'integrator' })).status, 201);
});

test('bad comment bodies are 4xx JSON errors and change nothing', async () => {
  const t = await deliveredTicket(s);
  const other = await deliveredTicket(s, { component: 'vpn' });
  const before = await snapshot(s, t);
  const cases = [
    ['acme', { body: {} }, 422, 'invalid_comment', ['/text']],
    ['acme', { body: { text: '' } }, 422, 'invalid_comment', ['/text']],
    ['acme', { body: { text: 7 } }, 422, 'invalid_comment', ['/text']],
    ['acme', { body: { text: 'x'.repeat(65537) } }, 413, 'comment_too_large'],
    ['acme', { body: { text: 'hi', visibility: 'everyone' } }, 422, 'invalid_comment', ['/visibility']],
    ['acme', { body: { text: 'hi', visibility: 'integrator' } }, 422, 'invalid_comment', ['/visibility']],
    ['acme', { body: { text: 'hi', visibility: 'supplier', leg: t.legs.netco } }, 422, 'invalid_comment', ['/visibility']],
    ['acme', { body: { text: 'hi', author: 'netco' } }, 422, 'invalid_comment', ['/author']],
    ['integrator', { body: { text: 'hi', visibility: 'supplier' } }, 422, 'invalid_comment', ['/leg']],
    ['integrator', { body: { text: 'hi', visibility: 'customer', leg: t.legs.netco } }, 422, 'invalid_comment', ['/leg']],
    ['integrator', { body: { text: 'hi', visibility: 'supplier', leg: 'not-a-leg' } }, 422, 'invalid_comment', ['/leg']],
    ['integrator', { body: { text: 'hi', visibility: 'supplier', leg: other.legs.netco } }, 422, 'invalid_comment', ['/leg']],
    ['integrator', { body: { text: 'hi', visibility: 'supplier', leg: 12 } }, 422, 'invalid_comment', ['/leg']],
    ['acme', { raw: '{"text": "unterminated' }, 400, 'invalid_json'],
    ['acme', { raw: '"text"' }, 400, 'invalid_json'],
    ['acme', { body: { text: 'hi' }, headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
  ];
  for (const [who, opts, status, code, paths] of cases) {
    const r = await s.api('POST', `/v1/tickets/${t.id}/comments`, { key: s.keys[who], ...opts });
    assert.equal(r.status, status, `${who} ${JSON.stringify(opts).slice(0, 100)}: ${r.text.slice(0, 200)}`);
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
    if (paths) assert.deepEqual(r.json.error.details.map((d) => d.path), paths, JSON.stringify(opts).slice(0, 100));
  }
  assert.equal(await snapshot(s, t), before);
  const bad = await s.api('POST', '/v1/tickets/not-a-ticket/comments', { key: s.keys.acme, body: { text: 'hi' } });
  assert.equal(bad.status, 404);
});

test('a comment POST honours Idempotency-Key: a retry makes no second comment', async () => {
  const t = await deliveredTicket(s);
  const headers = { 'idempotency-key': `c-${t.id}` };
  const text = 'Sent twice by a flaky client.';
  const a = await comment(t, 'acme', { text }, { headers });
  const b = await comment(t, 'acme', { text }, { headers });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.text, a.text);
  const c = await comment(t, 'acme', { text: 'another text' }, { headers });
  assert.equal(c.status, 422);
  assert.equal(c.json.error.code, 'idempotency_key_reused');
  assert.equal(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}' AND data->>'text' = '${text}'`), '1');
  await oneCommentTo(t, 'netco', text);
});
