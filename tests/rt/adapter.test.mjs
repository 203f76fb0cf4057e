// adapter.test.mjs - the `rt` adapter against a real RT 5 (Debian's
// request-tracker5 behind stunnel, tests/rt/setup.sh): the requests the
// adapter builds are sent as they are, RT's answers are read back through
// the adapter, and what landed is checked through RT's own REST2. Create
// per ticket type, lookup, comment vs correspond, a comment retried after
// a lost answer (never posted twice), status writes, a refused status,
// and the poll of status changes made by an RT agent with keyset paging
// and Keten's own writes skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  TYPES, env, supplier, legView, adapter, send, rt, agentDoes, deliver, rtTime,
} from './lib.mjs';

// Creates a ticket of type through the adapter; the leg view with the
// external id RT gave it.
async function created(type, over = {}) {
  const view = legView(type, over);
  const { req, res, reply } = await deliver({ op: 'create', message_id: randomUUID(), attempt: 1,
    step: 0, leg_view: view, supplier: supplier() });
  assert.equal(req.method, 'POST');
  assert.equal(req.url, `${env.RT_URL}/REST/2.0/ticket`);
  assert.equal(res.status, 201, res.body);
  assert.match(reply.external_id, /^\d+$/);
  return { ...view, leg: { ...view.leg, external_id: reply.external_id, status: 'new' } };
}

async function ticket(id) {
  const q = encodeURIComponent(`id = ${id}`);
  const r = await rt(`/tickets?query=${q}&fields=Queue,Subject,Priority,Status,CustomFields,Requestor,Creator&fields%5BQueue%5D=Name&fields%5BRequestor%5D=EmailAddress`);
  assert.equal(r.count, 1);
  return r.items[0];
}

// The transactions of ticket id whose content holds text.
async function transactionsWith(id, text) {
  const q = encodeURIComponent(JSON.stringify([{ field: 'Content', operator: 'LIKE', value: text }]));
  const atts = await rt(`/attachments?query=${q}&fields=TransactionId`);
  const out = [];
  for (const a of atts.items) {
    const t = await rt(`/transaction/${a.TransactionId}`);
    if (String(t.Object?.id ?? t.ObjectId) === String(id) || t.Object?._url?.endsWith(`/ticket/${id}`)) out.push(t);
  }
  return out;
}

test('a create lands in the queue of its type with our reference, requestor and priority', async () => {
  for (const type of TYPES) {
    const view = await created(type);
    const t = await ticket(view.leg.external_id);
    assert.equal(t.Queue.Name, env[`RT_QUEUE_${type.toUpperCase()}`]);
    assert.equal(t.Subject, view.summary);
    assert.equal(t.Status, 'new');
    assert.equal(t.Priority, '75'); // our priority 2
    assert.deepEqual(t.Requestor.map((r) => r.EmailAddress), ['servicedesk@integrator.test']);
    const cf = t.CustomFields.find((c) => c.name === env.RT_FIELD);
    assert.deepEqual(cf.values, [view.leg.id]);
    assert.equal(t.Creator.id, env.RT_USER);
  }
});

test('a type without a queue is refused before anything is sent', () => {
  const out = adapter('build', { op: 'create', message_id: 'm1', leg_view: legView('change'),
    supplier: supplier({ queues: { incident: env.RT_QUEUE_INCIDENT } }) });
  assert.equal(out.error.code, 'adapter_build');
  assert.match(out.error.message, /no queue for change/);
});

test('the lookup finds a ticket by our reference, and only ours', async () => {
  const view = await created('incident');
  const req = adapter('lookup', { op: 'create', leg_view: view, supplier: supplier() });
  assert.equal(req.method, 'GET');
  assert.equal(req.body, null);
  const res = await send(req);
  assert.equal(res.status, 200, res.body);
  const found = adapter('read-lookup', { op: 'create', leg_view: view, supplier: supplier(),
    answer: { status: res.status, body: res.body } });
  assert.equal(found.found, true);
  assert.equal(found.external_id, view.leg.external_id);
  assert.equal(found.status, 'new');

  const other = legView('incident');
  const res2 = await send(adapter('lookup', { op: 'create', leg_view: other, supplier: supplier() }));
  const none = adapter('read-lookup', { op: 'create', leg_view: other, supplier: supplier(),
    answer: { status: res2.status, body: res2.body } });
  assert.equal(none.found, false);
});

test('a comment is internal or a reply by its author, as the mapping says', async () => {
  const view = await created('incident');
  const id = view.leg.external_id;
  const cases = [
    { author: 'integrator', type: 'Comment', path: 'comment' },
    { author: 'customer', type: 'Correspond', path: 'correspond' },
  ];
  for (const c of cases) {
    const mid = randomUUID();
    const { req, res, reply } = await deliver({ op: 'comment', message_id: mid, attempt: 1, step: 0,
      leg_view: view, supplier: supplier(),
      payload: { comment: { text: `from the ${c.author}: café ✓`, author: c.author, origin: 'keten:event:1' } } });
    assert.equal(req.url, `${env.RT_URL}/REST/2.0/ticket/${id}/${c.path}`);
    assert.equal(res.status, 201, res.body);
    assert.equal(reply.next_step, 0);
    const txns = await transactionsWith(id, `keten:${mid}`);
    assert.equal(txns.length, 1);
    assert.equal(txns[0].Type, c.type);
  }
  // the mapping turns the customer's comments internal
  const mid = randomUUID();
  const { req } = await deliver({ op: 'comment', message_id: mid, attempt: 1, step: 0,
    leg_view: view, supplier: supplier({ comments: { customer: 'comment' } }),
    payload: { comment: { text: 'quiet please', author: 'customer', origin: 'keten:event:2' } } });
  assert.equal(req.url, `${env.RT_URL}/REST/2.0/ticket/${id}/comment`);
});

test('a retried comment is searched for first and never posted twice', async () => {
  const view = await created('request');
  const id = view.leg.external_id;
  const payload = { comment: { text: 'the answer was lost', author: 'customer', origin: 'keten:event:9' } };
  const mid = randomUUID();
  // attempt 1 landed, but its answer was lost
  const first = await deliver({ op: 'comment', message_id: mid, attempt: 1, step: 0,
    leg_view: view, supplier: supplier(), payload });
  assert.equal(first.res.status, 201);
  // attempt 2 searches, finds our marker, and is done
  const again = await deliver({ op: 'comment', message_id: mid, attempt: 2, step: 0,
    leg_view: view, supplier: supplier(), payload });
  assert.equal(again.req.method, 'GET');
  assert.equal(again.reply.next_step, 0);
  assert.equal((await transactionsWith(id, `keten:${mid}`)).length, 1);

  // a retry whose first try never arrived: the search finds nothing, the
  // next step writes it, once
  const mid2 = randomUUID();
  const search = await deliver({ op: 'comment', message_id: mid2, attempt: 2, step: 0,
    leg_view: view, supplier: supplier(), payload });
  assert.equal(search.reply.next_step, 1);
  const write = await deliver({ op: 'comment', message_id: mid2, attempt: 1, step: 1, state: {},
    leg_view: view, supplier: supplier(), payload });
  assert.equal(write.req.method, 'POST');
  assert.equal(write.res.status, 201);
  assert.equal((await transactionsWith(id, `keten:${mid2}`)).length, 1);
});

test('update, resolve and cancel set the mapped RT status; a refused one is an error', async () => {
  const view = await created('incident');
  const id = view.leg.external_id;
  const steps = [
    { op: 'update', status: 'in_progress', rt: 'open' },
    { op: 'update', status: 'pending_customer', rt: 'stalled' },
    { op: 'resolve', status: 'resolved', rt: 'resolved' },
  ];
  for (const s of steps) {
    const { req, res, reply } = await deliver({ op: s.op, message_id: randomUUID(), attempt: 1,
      step: 0, leg_view: { ...view, leg: { ...view.leg, status: s.status } }, supplier: supplier() });
    assert.equal(req.method, 'PUT');
    assert.equal(req.url, `${env.RT_URL}/REST/2.0/ticket/${id}`);
    assert.equal(res.status, 200, res.body);
    assert.equal(reply.error, undefined);
    assert.equal((await ticket(id)).Status, s.rt);
  }
  const other = await created('problem');
  await deliver({ op: 'cancel', message_id: randomUUID(), attempt: 1, step: 0, leg_view: other,
    supplier: supplier() });
  assert.equal((await ticket(other.leg.external_id)).Status, 'rejected');

  // a status the queue's lifecycle does not have: RT says 200, the adapter refuses
  const bad = await created('incident');
  const { res, reply } = await deliver({ op: 'cancel', message_id: randomUUID(), attempt: 1, step: 0,
    leg_view: bad, supplier: supplier({ status_out: { cancelled: 'binned' } }) });
  assert.equal(res.status, 200);
  assert.equal(reply.error.class, 'invalid');
  assert.match(reply.error.message, /binned/);
  assert.equal((await ticket(bad.leg.external_id)).Status, 'new');
});

test('the poll reads an agent\'s status changes page by page and skips Keten\'s own', async () => {
  const since = new Date(Date.now() - 2000);
  const a = await created('incident');
  const b = await created('change');
  const sup = supplier({ page_size: 2 });
  // Keten's own write (an echo, skipped) and the agent's changes
  await deliver({ op: 'update', message_id: randomUUID(), attempt: 1, step: 0,
    leg_view: { ...a, leg: { ...a.leg, status: 'in_progress' } }, supplier: sup });
  await agentDoes('PUT', `/ticket/${a.leg.external_id}`, { Status: 'stalled' });
  await agentDoes('PUT', `/ticket/${b.leg.external_id}`, { Status: 'open' });
  await agentDoes('PUT', `/ticket/${b.leg.external_id}`, { Status: 'resolved' });
  await agentDoes('PUT', `/ticket/${a.leg.external_id}`, { Status: 'rejected' });

  const seen = [];
  let page = null;
  let pages = 0;
  do {
    const req = adapter('poll', { supplier: sup, feed: 'transactions',
      since: since.toISOString().replace(/\.\d+Z$/, 'Z'), page });
    assert.equal(req.method, 'GET');
    assert.ok(req.url.includes('per_page=2'));
    const res = await send(req);
    assert.equal(res.status, 200, res.body);
    const out = adapter('read-poll', { supplier: sup, feed: 'transactions',
      answer: { status: res.status, body: res.body } });
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    seen.push(...out.items);
    if (out.items.length) assert.match(out.high_water, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    page = out.next_page;
    pages++;
  } while (page && pages < 20);
  assert.ok(pages >= 2, `${pages} pages`);
  const mine = seen.filter((u) => [a.leg.external_id, b.leg.external_id].includes(u.external_id));
  assert.deepEqual(mine.map((u) => [u.external_id, u.status]), [
    [a.leg.external_id, 'pending_customer'],
    [b.leg.external_id, 'in_progress'],
    [b.leg.external_id, 'resolved'],
    [a.leg.external_id, 'cancelled'],
  ]);
  for (const u of mine) {
    assert.match(u.delivery_id, /^transactions:\d+$/);
    assert.ok(Date.parse(u.occurred_at) >= since.getTime() - 1000);
  }
  assert.equal(new Set(seen.map((u) => u.delivery_id)).size, seen.length);
  // RT's time in TicketSQL is the user's zone: Keten's user is UTC
  const later = await rt(`/transactions?query=${encodeURIComponent(`Created >= '${rtTime(new Date(Date.now() + 3600e3))}'`)}`);
  assert.equal(later.count, 0);
});
