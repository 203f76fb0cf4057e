// msgsize.test.mjs - bounded messages (issue 14, finding 1): a comment
// goes to each supplier as itself, never with the ticket's whole
// timeline, so what a supplier is sent grows with what changed, not with
// the history. The probe: 60 comments of 60 KB on one ticket of two legs.
// Comments are bounded in size (413 comment_too_large) and in number per
// ticket (422 too_many_comments), and a refused one leaves no trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from './lib/harness.mjs';
import { deliveredTicket, sent, settled, snapshot } from './lib/tickets.mjs';

// A ticket holds at most this many comments and notes here.
const PER_TICKET = 62;
let s;
before(async () => { s = await startStack({ config: { KETEN_COMMENTS_PER_TICKET_MAX: String(PER_TICKET) } }); });
after(async () => { await s.stop(); });

const COMMENTS = 60;
const COMMENT_BYTES = 60 * 1000;
// What a message may carry beside its comment: the envelope, the ticket's
// fields and the supplier's leg (the ticket's description is small here).
const ENVELOPE_MAX = 8 * 1024;

test('60 comments of 60 KB: each supplier is sent each comment once, never the timeline', async (t) => {
  const tk = await deliveredTicket(s);
  const texts = [];
  for (let i = 0; i < COMMENTS; i++) {
    const head = `probe comment ${i} `;
    const text = head + 'x'.repeat(COMMENT_BYTES - head.length);
    texts.push(text);
    const r = await s.api('POST', `/v1/tickets/${tk.id}/comments`, { key: s.keys.acme, body: { text } });
    assert.equal(r.status, 201, r.text);
  }
  for (const who of ['netco', 'hostco']) {
    const got = await eventually(async () => {
      const c = await sent(s, tk, who, 'comment');
      return c.length >= COMMENTS && c;
    }, 120000, `${who} to get all ${COMMENTS} comments`);
    assert.equal(got.length, COMMENTS);
    assert.deepEqual(got.map((x) => x.json.comment.text).sort(), [...texts].sort());
    let bytes = 0, largest = 0;
    for (const x of got) {
      const n = Buffer.byteLength(x.body);
      bytes += n;
      largest = Math.max(largest, n);
      assert.equal(x.verified, true);
      assert.equal(x.json.version, 2);
      assert.equal(x.json.data.timeline, undefined);
    }
    t.diagnostic(`${who}: ${got.length} comment messages, ${bytes} bytes, largest ${largest}`);
    assert.ok(largest <= COMMENT_BYTES + ENVELOPE_MAX, `a message of ${largest} bytes`);
    // With the whole timeline in each message this was about 110 MB.
    assert.ok(bytes <= COMMENTS * (COMMENT_BYTES + ENVELOPE_MAX), `${bytes} bytes sent to ${who}`);
  }

  // Reading it back is bounded too: the ticket's GET (3.6 MB before) and
  // each timeline page stop near 1 MiB; the pages hold every comment once.
  const PAGE_MAX = 1024 * 1024 + COMMENT_BYTES + ENVELOPE_MAX;
  for (const who of ['acme', 'netco', 'integrator']) {
    const g = await s.api('GET', `/v1/tickets/${tk.id}`, { key: s.keys[who] });
    assert.equal(g.status, 200);
    assert.ok(g.text.length <= PAGE_MAX, `${who}'s GET is ${g.text.length} bytes`);
    assert.match(g.json.timeline_next_cursor, /^\d+$/);
    const seen = [...g.json.timeline];
    let largest = g.text.length, pages = 1;
    for (let c = g.json.timeline_next_cursor; c !== null; pages++) {
      const p = await s.api('GET', `/v1/tickets/${tk.id}/timeline?limit=200&cursor=${c}`, { key: s.keys[who] });
      assert.equal(p.status, 200, p.text);
      largest = Math.max(largest, p.text.length);
      seen.push(...p.json.items);
      c = p.json.next_cursor;
    }
    t.diagnostic(`${who}: the GET and ${pages - 1} more page(s), the largest ${largest} bytes`);
    assert.ok(largest <= PAGE_MAX, `a page of ${largest} bytes`);
    const got = seen.map((e) => e.text ?? e.data?.text).filter((x) => x?.startsWith('probe comment '));
    assert.deepEqual(got, texts);
  }
});

const comment = (tk, who, body) =>
  s.api('POST', `/v1/tickets/${tk.id}/comments`, { key: s.keys[who], body });

// Everything a refused comment could have left: the ticket, its events
// and messages, and what the suppliers were sent.
async function trace(tk) {
  await settled(s, tk);
  return [await snapshot(s, tk), (await sent(s, tk, 'netco')).length, (await sent(s, tk, 'hostco')).length];
}

test('a comment over comment_max_bytes is 413 comment_too_large and nothing is kept', async () => {
  const tk = await deliveredTicket(s);
  const before = await trace(tk);
  for (const who of ['acme', 'integrator']) {
    const r = await comment(tk, who, { text: 'y'.repeat(65537) });
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error.code, 'comment_too_large');
    assert.match(r.json.error.message, /65537 bytes, more than the 65536 allowed/);
  }
  // UTF-8 counts in bytes: 21846 snowmen are 65538 bytes.
  const wide = await comment(tk, 'acme', { text: '\u2603'.repeat(21846) });
  assert.equal(wide.status, 413, wide.text);
  assert.deepEqual(await trace(tk), before);
  // The limit itself is allowed.
  assert.equal((await comment(tk, 'acme', { text: 'z'.repeat(65536) })).status, 201);
});

test('past comments_per_ticket_max a comment or note is 422 too_many_comments and nothing is kept', async () => {
  const tk = await deliveredTicket(s);
  for (let i = 0; i < PER_TICKET; i++) {
    const r = i % 10 === 9
      ? await comment(tk, 'integrator', { text: `note ${i}` })
      : await comment(tk, 'acme', { text: `comment ${i}` });
    assert.equal(r.status, 201, r.text);
  }
  const before = await trace(tk);
  for (const [who, body] of [['acme', { text: 'one too many' }], ['integrator', { text: 'a note too many' }],
    ['integrator', { text: 'to netco', visibility: 'supplier', leg: tk.legs.netco }]]) {
    const r = await comment(tk, who, body);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, 'too_many_comments');
    assert.match(r.json.error.message, new RegExp(`holds ${PER_TICKET} comments`));
  }
  assert.deepEqual(await trace(tk), before);
  // Another ticket is not affected.
  const other = await deliveredTicket(s);
  assert.equal((await comment(other, 'acme', { text: 'fresh ticket' })).status, 201);
});
