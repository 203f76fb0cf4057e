// msgsize.test.mjs - bounded messages (issue 14, finding 1): a comment
// goes to each supplier as itself, never with the ticket's whole
// timeline, so what a supplier is sent grows with what changed, not with
// the history. The probe: 60 comments of 60 KB on one ticket of two legs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually } from './lib/harness.mjs';
import { deliveredTicket, sent } from './lib/tickets.mjs';

let s;
before(async () => { s = await startStack(); });
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
});
