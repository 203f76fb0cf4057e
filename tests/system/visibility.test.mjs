// visibility.test.mjs - the chain's supplier visibility settings decide
// what the customer sees: netco allows its name and public comments,
// hostco neither. The customer sees "NetCo" as the author of netco's
// entries and nothing of hostco's name or public comments, which still
// reach the other open leg; no supplier ever sees another's name. A chain
// change applies to the views from then on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startStack, chainDoc, keten, eventually, writeChain } from './lib/harness.mjs';
import { deliveredTicket, update, view, sent } from './lib/tickets.mjs';

const settings = {
  netco: { name_to_customer: true, public_comments_to_customer: true },
  hostco: { name_to_customer: false, public_comments_to_customer: false },
};
const chain = (sims, vis = settings) => {
  const doc = chainDoc(sims);
  for (const sp of doc.suppliers) sp.visibility = vis[sp.key];
  return doc;
};

let s;
before(async () => { s = await startStack({ chain }); });
after(async () => { await s.stop(); });

const NETCO_PUBLIC = 'NETCO-PUBLIC: new tunnel certificate rolled out';
const HOSTCO_PUBLIC = 'HOSTCO-PUBLIC: portal node restarted';

async function commentedTicket() {
  const t = await deliveredTicket(s);
  await update(s, t, 'netco', { status: 'in_progress', comment: { text: NETCO_PUBLIC, public: true } });
  await update(s, t, 'hostco', { status: 'in_progress', comment: { text: HOSTCO_PUBLIC, public: true } });
  return t;
}

test('the customer sees netco\'s name and public comments, and nothing of hostco\'s', async () => {
  const t = await commentedTicket();
  const c = await view(s, t, 'acme');
  const text = JSON.stringify(c);
  const mine = c.timeline.find((e) => e.text === NETCO_PUBLIC);
  assert.ok(mine, 'netco\'s public comment is shown');
  assert.equal(mine.actor, 'supplier');
  assert.equal(mine.actor_name, 'NetCo');
  for (const x of ['HostCo', 'hostco', HOSTCO_PUBLIC, t.legs.hostco]) assert.ok(!text.includes(x), `the customer sees ${x}`);
  for (const e of c.timeline) {
    if (e.actor === 'supplier') assert.equal(e.actor_name, 'NetCo', JSON.stringify(e));
  }
  // The list view carries no timeline, hence no names either.
  const list = await s.api('GET', '/v1/tickets', { key: s.keys.acme });
  assert.ok(!list.text.includes('HostCo') && !list.text.includes(HOSTCO_PUBLIC));

  // hostco's public comment is kept from the customer, not from the other supplier.
  const relayed = await eventually(async () => (await sent(s, t, 'netco', 'comment'))
    .find((x) => x.json.comment.text === HOSTCO_PUBLIC), 15000, 'netco to get hostco\'s public comment');
  assert.equal(relayed.json.comment.author, 'supplier');
  assert.ok(!relayed.body.includes('HostCo') && !relayed.body.includes('hostco'));
  // No supplier sees another supplier's name, whatever the customer may.
  const n = JSON.stringify(await view(s, t, 'netco'));
  const h = JSON.stringify(await view(s, t, 'hostco'));
  assert.ok(!n.includes('HostCo') && !n.includes('actor_name'));
  assert.ok(!h.includes('NetCo') && !h.includes('actor_name') && !h.includes(NETCO_PUBLIC));
  // The integrator sees the settings and everything.
  const i = await view(s, t, 'integrator');
  assert.deepEqual(i.legs.find((l) => l.id === t.legs.hostco).supplier.visibility, settings.hostco);
  assert.ok(i.timeline.some((e) => e.data.text === HOSTCO_PUBLIC && e.visibility === 'customer'));
});

test('a chain change applies to what the customer sees from then on', async () => {
  const t = await commentedTicket();
  const flipped = {
    netco: { name_to_customer: false, public_comments_to_customer: false },
    hostco: { name_to_customer: true, public_comments_to_customer: true },
  };
  const file = path.join(s.dir, 'chain-flipped.json');
  writeChain(file, chain(s.sims, flipped), 0);
  let r = keten(['chain', 'import', file], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  try {
    const c = await view(s, t, 'acme');
    const text = JSON.stringify(c);
    assert.equal(c.timeline.find((e) => e.text === HOSTCO_PUBLIC)?.actor_name, 'HostCo');
    for (const x of ['NetCo', NETCO_PUBLIC]) assert.ok(!text.includes(x), `the customer still sees ${x}`);
  } finally {
    writeChain(file, chain(s.sims), 0);
    r = keten(['chain', 'import', file], s.env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  }
  assert.ok(!JSON.stringify(await view(s, t, 'acme')).includes('HostCo'));
});
