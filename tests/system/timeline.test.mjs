// timeline.test.mjs - paged timelines (issue 14, finding 1): a ticket's
// GET carries at most ticket_timeline_entries entries and a cursor;
// GET /v1/tickets/{id}/timeline?cursor=&limit= yields the rest, every
// entry the caller may see exactly once across the pages, whatever the
// page size; malformed cursors and limits are 400.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, psql } from './lib/harness.mjs';
import { deliveredTicket, update, settled } from './lib/tickets.mjs';

const FIRST_PAGE = 50;
let s, t;
before(async () => {
  s = await startStack({ config: { KETEN_TICKET_TIMELINE_ENTRIES: String(FIRST_PAGE) } });
  t = await deliveredTicket(s);
  const comment = async (who, body) => {
    const r = await s.api('POST', `/v1/tickets/${t.id}/comments`, { key: s.keys[who], body });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < 10; i++) {
    await comment('acme', { text: `customer ${i}` });
    await comment('integrator', { text: `note ${i}` });
    await comment('integrator', { text: `to netco ${i}`, visibility: 'supplier', leg: t.legs.netco });
    await update(s, t, 'netco', { comment: { text: `netco work ${i}` } });
    await update(s, t, 'hostco', { comment: { text: `hostco public ${i}`, public: true } });
  }
  await settled(s, t);
});
after(async () => { await s.stop(); });

const timeline = (who, query) => s.api('GET', `/v1/tickets/${t.id}/timeline${query}`, { key: s.keys[who] });

// Every entry `who` reads by following the cursors with pages of limit
// (none: the default), checking each page's bound.
async function walk(who, limit) {
  const got = [];
  let cursor = null;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 1000, 'the cursors end');
    const q = [limit ? `limit=${limit}` : '', cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&');
    const r = await timeline(who, q ? `?${q}` : '');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= (limit ?? 50), `a page of ${r.json.items.length}`);
    got.push(...r.json.items);
    if (r.json.next_cursor === null) return got;
    assert.match(r.json.next_cursor, /^\d+$/);
    cursor = r.json.next_cursor;
  }
}

const key = (e) => JSON.stringify([e.kind, e.recorded_at, e.text ?? e.data?.text ?? null, e.id ?? null]);
const texts = (entries) => entries.map((e) => e.text ?? e.data?.text).filter(Boolean);

test('a ticket GET carries a bounded first page and a cursor to the rest', async () => {
  const all = Number(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`));
  assert.ok(all > FIRST_PAGE, `${all} entries`);
  const r = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator });
  assert.equal(r.status, 200);
  assert.equal(r.json.timeline.length, FIRST_PAGE);
  assert.match(r.json.timeline_next_cursor, /^\d+$/);
  const rest = await walk('integrator', null).then((e) => e.slice(FIRST_PAGE));
  const more = [];
  for (let c = r.json.timeline_next_cursor; c !== null;) {
    const p = await timeline('integrator', `?cursor=${c}&limit=200`);
    assert.equal(p.status, 200, p.text);
    more.push(...p.json.items);
    c = p.json.next_cursor;
  }
  assert.deepEqual(more.map(key), rest.map(key));
  assert.equal(FIRST_PAGE + more.length, all);
  // Ids rise and none repeats.
  const ids = [...r.json.timeline, ...more].map((e) => e.id);
  assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b));
});

test('every page size yields every visible entry exactly once, per role', async () => {
  const all = Number(await psql(s.db, `SELECT count(*) FROM events WHERE ticket_id = '${t.id}'`));
  const want = {
    integrator: { must: ['customer 3', 'note 3', 'to netco 3', 'netco work 3', 'hostco public 3'], never: [] },
    acme: { must: ['customer 3', 'hostco public 3'], never: ['note', 'to netco', 'netco work'] },
    netco: { must: ['customer 3', 'to netco 3', 'netco work 3'], never: ['note', 'hostco public'] },
    hostco: { must: ['customer 3', 'hostco public 3'], never: ['note', 'to netco', 'netco work'] },
  };
  for (const [who, { must, never }] of Object.entries(want)) {
    const whole = await walk(who, 200);
    const seen = texts(whole);
    for (const m of must) assert.ok(seen.includes(m), `${who} sees "${m}"`);
    for (const n of never) assert.ok(!seen.some((x) => x.startsWith(n)), `${who} never sees "${n}"`);
    assert.equal(new Set(whole.map(key)).size, whole.length, `${who}: no entry twice`);
    if (who === 'integrator') assert.equal(whole.length, all);
    // The first page of the ticket's GET is the same as the walk's start.
    const g = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys[who] });
    assert.deepEqual(g.json.timeline.map(key), whole.slice(0, g.json.timeline.length).map(key));
    for (const limit of [1, 7, 50]) {
      assert.deepEqual((await walk(who, limit)).map(key), whole.map(key), `${who} with pages of ${limit}`);
    }
  }
});

test('malformed cursors and limits are 400; another tenant and unknown tickets 404', async () => {
  for (const c of ['abc', '-1', '12a', '1'.repeat(19), '1.5', '%20']) {
    const r = await timeline('acme', `?cursor=${c}`);
    assert.equal(r.status, 400, `${c}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_cursor');
  }
  const empty = await timeline('acme', '?cursor=');
  assert.equal(empty.status, 400);
  assert.equal(empty.json.error.code, 'invalid_cursor');
  for (const l of ['0', '201', 'x']) {
    const r = await timeline('acme', `?limit=${l}`);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_limit');
  }
  assert.equal((await timeline('globex', '')).status, 404);
  assert.equal((await s.api('GET', '/v1/tickets/00000000-0000-4000-8000-000000000000/timeline', { key: s.keys.acme })).status, 404);
  assert.equal((await s.api('GET', '/v1/tickets/nope/timeline', { key: s.keys.acme })).status, 404);
  // A cursor past the end is an empty last page.
  const end = await timeline('acme', '?cursor=999999999999999999');
  assert.equal(end.status, 200);
  assert.deepEqual(end.json, { items: [], next_cursor: null });
});
