// jira.test.mjs - the `jira` adapter against tests/sim/jira-sim.mjs through
// a real broker, every request checked by the simulator against Jira's
// official OpenAPI documents and ADF schema: a create lands in the JSM
// request type or platform issue type of its ticket type (a type without
// an entry is refused at routing); statuses travel both ways through the
// workflow (agent changes by signed webhook, Keten's reopen and close by
// transitions); public and internal comments both ways; a transition the
// workflow does not offer is a permanent error with Jira's words, not a
// retry loop; a create whose answer was lost is found by the JQL lookup
// after the search lag and not duplicated; a polled supplier reads pages
// by nextPageToken; a 429 waits for X-RateLimit-Reset or Retry-After.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { eventually, psql, sleep, keten, certs } from './lib/harness.mjs';
import { view } from './lib/tickets.mjs';
import { loadOpenApi, specFile } from './lib/openapi.mjs';
import {
  KEY, US, TOKEN, startJira, stopJira, file, legOf, legRow, issuesOf, delivered, settled,
} from './lib/jira.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SEARCH_LAG_MS = 1500;
const CREATE = 'POST /rest/servicedeskapi/request';
let s;
let jira;

before(async () => {
  ({ s, jira } = await startJira({ KETEN_SUPPLIER_TIMEOUT_MS: '3000', KETEN_RETRY_BASE_MS: '100',
    KETEN_RETRY_MAX_MS: '3000', KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '2000' },
  { searchLagMs: SEARCH_LAG_MS + 500 }));
});

after(async () => {
  await stopJira(s, jira);
});

const change = (issue, body) => jira.control('POST', '/_sim/change', { issue, ...body });
const received = () => jira.control('GET', '/_sim/received');
const text = (d) => (d?.type === 'text' ? d.text : d?.type === 'hardBreak' ? '\n' : (d?.content ?? []).map(text).join(''));

test('a create lands in its type\'s JSM request type or platform issue type, with ADF and our reference', async () => {
  const summary = 'Printer on floor 3 prints blank pages 🔥 [since] *today*';
  const inc = await delivered(s, jira, 'incident', summary);
  assert.equal(inc.issue.desk, '1');
  assert.equal(inc.issue.requestTypeId, '10');
  assert.deepEqual(inc.issue.labels, [`keten-${inc.leg}`]);
  assert.equal(inc.issue.summary, summary);
  const paras = inc.issue.description.content.map(text);
  assert.deepEqual(paras, ['Line one\nline <two> & *more*', 'Second paragraph'], 'text as written, never markup');
  assert.equal(inc.issue.priority, 'High');
  assert.equal((await legRow(s, inc.leg)).status, 'new');

  const req = await delivered(s, jira, 'request', 'New laptop for J. Jansen');
  assert.equal(req.issue.requestTypeId, '11');
  const chg = await delivered(s, jira, 'change', 'Replace core switch');
  assert.equal(chg.issue.project, 'CHG');
  assert.equal(chg.issue.issuetype, 'Change');
  assert.equal(chg.issue.desk, undefined);

  const r = await file(s, 'problem', 'Root cause of the outages');
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'type_not_accepted');
});

test('statuses both ways: an agent\'s changes come back by signed webhook; Keten reopens and closes through the workflow', async () => {
  const t = await delivered(s, jira, 'incident', 'VPN drops every 5 minutes');
  let c = await change(t.issue.id, { status: 'In Progress' });
  assert.equal(c.pushed[0].status, 200, JSON.stringify(c));
  await eventually(async () => (await legRow(s, t.leg)).status === 'in_progress', 10000, 'leg in progress');
  c = await change(t.issue.id, { status: 'Waiting for customer' });
  await eventually(async () => (await legRow(s, t.leg)).status === 'pending_customer', 10000, 'leg pending');
  c = await change(t.issue.id, { status: 'In Progress' });
  c = await change(t.issue.id, { status: 'Resolved' });
  await eventually(async () => (await legRow(s, t.leg)).status === 'resolved', 10000, 'leg resolved');

  // The customer reopens: Jira's Reopen transition, the reason as a comment.
  const reason = 'Still dropping in Delft';
  let r = await s.api('POST', `/v1/tickets/${t.ticket.id}/reopen`, { key: s.keys.acme, body: { reason } });
  assert.equal(r.status, 200, r.text);
  await settled(s, t.leg);
  let [issue] = await issuesOf(jira, t.leg);
  assert.equal(issue.status, 'Open');
  assert.ok(issue.comments.some((x) => x.text === reason && x.author.accountId === US), JSON.stringify(issue.comments));
  const reads = (await received()).filter((x) => x.method === 'GET' && x.path.startsWith(`/rest/api/3/issue/${t.issue.id}?`));
  assert.ok(reads.length >= 1, 'the transitions were read first');

  // Resolved again at Jira, then the customer confirms: Closed there too.
  await change(t.issue.id, { status: 'Resolved' });
  await eventually(async () => (await legRow(s, t.leg)).status === 'resolved', 10000, 'leg resolved again');
  r = await s.api('POST', `/v1/tickets/${t.ticket.id}/close`, { key: s.keys.acme });
  assert.equal(r.status, 200, r.text);
  await settled(s, t.leg);
  [issue] = await issuesOf(jira, t.leg);
  assert.equal(issue.status, 'Closed');
  assert.equal(issue.resolution, 'Done');

  // The same push again (Jira retrying its webhook) applies nothing twice;
  // a push whose signature is wrong is refused.
  const again = await jira.control('POST', '/_sim/push', { body: c.hooks[0] });
  assert.equal(again.status, 200, JSON.stringify(again));
  assert.equal(again.body.result, 'duplicate', JSON.stringify(again));
  const bad = await jira.control('POST', '/_sim/push', { body: { webhookEvent: 'jira:issue_updated' },
    signature: 'sha256=00' });
  assert.equal(bad.status, 401, JSON.stringify(bad));
});

test('comments: public and internal to JSM and to a platform issue, and back with their visibility', async () => {
  const t = await delivered(s, jira, 'incident', 'Mail bounces');
  const chg = await delivered(s, jira, 'change', 'Firewall rule for mail');
  const post = (tk, who, body) => s.api('POST', `/v1/tickets/${tk.ticket.id}/comments`, { key: s.keys[who], body });
  const pub = 'Bounces come from [Delft] too *really*';
  const note = 'Integrator note: SPF record is stale';
  assert.equal((await post(t, 'acme', { text: pub, visibility: 'customer' })).status, 201);
  assert.equal((await post(t, 'integrator', { text: note, visibility: 'supplier', leg: t.leg })).status, 201);
  assert.equal((await post(chg, 'integrator', { text: note, visibility: 'supplier', leg: chg.leg })).status, 201);
  await settled(s, t.leg);
  await settled(s, chg.leg);
  const [issue] = await issuesOf(jira, t.leg);
  const mine = (x) => issue.comments.find((c) => c.text.startsWith(x));
  assert.equal(mine(pub)?.jsdPublic, true, JSON.stringify(issue.comments));
  assert.match(mine(pub).text, /\n\n\[keten:[^\]]+\]$/, 'our marker ends it');
  assert.equal(mine(note)?.jsdPublic, false);
  const [change2] = await issuesOf(jira, chg.leg);
  const n2 = change2.comments.find((c) => c.text.startsWith(note));
  assert.deepEqual(n2.visibility, { type: 'role', value: 'Service Desk Team' });
  const sent = (await received()).filter((x) => x.method === 'POST' && x.path.endsWith('/comment'));
  assert.ok(sent.some((x) => x.path === `/rest/servicedeskapi/request/${t.issue.id}/comment` && x.json.public === false));

  // An agent's public answer and internal note come back by webhook.
  const answer = 'Engineer on site at 14:00 <ETA> & counting';
  const internal = 'Agent note: RADIUS logs show the tunnel dropping';
  let c = await change(t.issue.id, { comment: answer });
  assert.equal(c.pushed[0].status, 200, JSON.stringify(c));
  c = await change(t.issue.id, { comment: internal, internal: true });
  assert.equal(c.pushed[0].status, 200, JSON.stringify(c));
  await eventually(async () => (await view(s, t.ticket, 'acme')).timeline.some((e) => e.text === answer),
    10000, 'the customer sees the public answer');
  await eventually(async () => (await view(s, t.ticket, 'integrator')).timeline.some((e) => e.data?.text === internal),
    10000, 'the integrator sees the note');
  assert.ok(!JSON.stringify(await view(s, t.ticket, 'acme')).includes(internal), 'the customer never sees the note');
  const i = (await view(s, t.ticket, 'integrator')).timeline;
  assert.equal(i.find((e) => e.data?.text === internal)?.visibility, 'supplier');
  // Our own comments are not read back as the supplier's.
  assert.equal(i.filter((e) => (e.data?.text ?? e.text ?? '').startsWith(pub)).length, 1);
});

test('a transition the workflow does not offer is a permanent error with Jira\'s words, never retried', async () => {
  const t = await delivered(s, jira, 'incident', 'Printer jam');
  await change(t.issue.id, { status: 'In Progress' });
  await change(t.issue.id, { status: 'Waiting for customer' });
  await eventually(async () => (await legRow(s, t.leg)).status === 'pending_customer', 10000, 'leg pending');
  const r = await s.api('POST', `/v1/tickets/${t.ticket.id}/cancel`, { key: s.keys.acme, body: { reason: 'Not needed' } });
  assert.ok([200, 202].includes(r.status), r.text);
  const dead = await eventually(async () => psql(s.db, `SELECT outcome::text FROM outbox WHERE leg_id = '${t.leg}'` +
    " AND operation = 'cancel' AND state = 'dead'"), 20000, 'the cancel dead');
  assert.match(dead, /offers no transition to \\"Cancel request\\" from status \\"Waiting for customer\\"/);
  assert.match(dead, /Respond/, 'Jira\'s offer is kept');
  const writes = (await received()).filter((x) => x.method === 'POST' && x.path === `/rest/api/3/issue/${t.issue.id}/transitions`);
  assert.equal(writes.length, 0, 'no transition was tried');
  const [issue] = await issuesOf(jira, t.leg);
  assert.equal(issue.status, 'Waiting for customer');
});

test('a comment whose answer is lost is found by its marker and written once', async () => {
  const t = await delivered(s, jira, 'incident', 'Disk full on the file server');
  await settled(s, t.leg);
  await jira.control('POST', '/_sim/mode', { mode: 'status', status: 503, apply: true, count: 1,
    match: `POST /rest/servicedeskapi/request/${t.issue.id}/comment` });
  const body = 'Please clean up /tmp first';
  const r = await s.api('POST', `/v1/tickets/${t.ticket.id}/comments`, { key: s.keys.acme,
    body: { text: body, visibility: 'customer' } });
  assert.equal(r.status, 201, r.text);
  await settled(s, t.leg);
  const [issue] = await issuesOf(jira, t.leg);
  assert.equal(issue.comments.filter((c) => c.text.startsWith(body)).length, 1, JSON.stringify(issue.comments));
  const all = (await received()).filter((x) => x.path.startsWith(`/rest/api/3/issue/${t.issue.id}/comment`) ||
    x.path === `/rest/servicedeskapi/request/${t.issue.id}/comment`);
  assert.deepEqual(all.map((x) => `${x.method} ${x.answered}`), ['POST 503', 'GET 200'],
    'the retry read the comments, found its marker and wrote nothing again');
});

test('a create whose answer is lost is found by the JQL lookup after the search lag, never duplicated', async () => {
  await jira.control('POST', '/_sim/lag', { ms: SEARCH_LAG_MS });
  await jira.control('POST', '/_sim/mode', { mode: 'status', status: 503, apply: true,
    match: 'POST /rest/servicedeskapi/request' });
  try {
    const r = await file(s, 'incident', 'Lost answer');
    assert.equal(r.status, 201, r.text);
    const leg = await legOf(s, r.json.id);
    await eventually(async () => (await issuesOf(jira, leg)).length === 1, 15000, 'Jira made the issue');
    await sleep(300);
    await jira.control('POST', '/_sim/mode', { mode: 'normal' });
    const ext = await eventually(async () => (await legRow(s, leg)).ext, 30000, 'the leg linked');
    await settled(s, leg);
    const mine = await issuesOf(jira, leg);
    assert.equal(mine.length, 1, 'one issue');
    assert.equal(mine[0].id, ext);
    const all = await received();
    const created = all.find((x) => x.method === 'POST' && x.json?.requestFieldValues?.labels?.includes(`keten-${leg}`));
    const lookups = all.filter((x) => x.method === 'GET' && x.path.startsWith('/rest/api/3/search/jql') &&
      decodeURIComponent(x.path).includes(`keten-${leg}`));
    assert.ok(lookups.length >= 1, 'looked up before any re-create');
    assert.ok(lookups[0].at - created.at >= SEARCH_LAG_MS, `the lookup waited for the search lag (${lookups[0].at - created.at} ms)`);
  } finally {
    await jira.control('POST', '/_sim/mode', { mode: 'normal' });
    await jira.control('POST', '/_sim/lag', { ms: 0 });
  }
});

test('a 429 waits for X-RateLimit-Reset, or for Retry-After when Jira sends both', async () => {
  await jira.control('POST', '/_sim/mode', { mode: 'limit', count: 1, reset_in: 2, match: CREATE });
  const a = await file(s, 'incident', 'Rate limited by reset');
  const legA = await legOf(s, a.json.id);
  await eventually(async () => (await legRow(s, legA)).ext, 30000, 'delivered after the reset');
  let all = await received();
  const limited = all.filter((x) => x.answered === 429);
  assert.equal(limited.length, 1);
  const ok = all.find((x) => x.answered === 201 && x.json?.requestFieldValues?.labels?.includes(`keten-${legA}`));
  assert.ok(ok.at - limited[0].at >= 900, `waited for X-RateLimit-Reset (${ok.at - limited[0].at} ms)`);

  await jira.control('POST', '/_sim/mode', { mode: 'limit', count: 1, retry_after: 1, reset_in: 600, match: CREATE });
  const b = await file(s, 'incident', 'Rate limited with both headers');
  const legB = await legOf(s, b.json.id);
  await eventually(async () => (await legRow(s, legB)).ext, 30000, 'delivered after Retry-After, not the reset');
  all = await received();
  const second = all.filter((x) => x.answered === 429)[1];
  const okB = all.find((x) => x.answered === 201 && x.json?.requestFieldValues?.labels?.includes(`keten-${legB}`));
  assert.ok(okB.at - second.at >= 900 && okB.at - second.at < 60000, `${okB.at - second.at} ms`);
  await jira.control('POST', '/_sim/mode', { mode: 'normal' });
});

test('polled: statuses and comments come back by JQL pages with nextPageToken', async () => {
  const legs = [];
  for (const n of [1, 2, 3]) legs.push(await delivered(s, jira, 'incident', `Polled ${n}`, 'acme-jira-polled'));
  assert.equal(legs[0].issue.project, 'OPS');
  for (const t of legs) await change(t.issue.id, { status: 'In Progress', push: false });
  for (const t of legs) {
    await eventually(async () => (await legRow(s, t.leg)).status === 'in_progress', 20000, `${t.issue.key} in progress`);
  }
  await change(legs[2].issue.id, { comment: 'Polled answer', push: false });
  await change(legs[2].issue.id, { comment: 'Polled note', internal: true, push: false });
  const seen = async (who, x) => (await view(s, legs[2].ticket, who)).timeline.some((e) => (e.text ?? e.data?.text) === x);
  await eventually(() => seen('acme', 'Polled answer'), 20000, 'the polled answer');
  await eventually(() => seen('integrator', 'Polled note'), 20000, 'the polled note');
  assert.equal(await seen('acme', 'Polled note'), false, 'an internal note stays internal');
  await change(legs[1].issue.id, { status: 'Resolved', push: false });
  await eventually(async () => (await legRow(s, legs[1].leg)).status === 'resolved', 20000, 'resolved by poll');
  const polls = (await received()).filter((x) => x.method === 'GET' && x.path.startsWith('/rest/api/3/search/jql') &&
    decodeURIComponent(x.path).includes('project in (OPS)'));
  assert.ok(polls.some((x) => x.path.includes('nextPageToken=')), 'a second page by nextPageToken');
  assert.ok(polls.every((x) => x.answered !== 400), JSON.stringify(polls.find((x) => x.answered === 400)));
});

test('keten supplier check: the account, the request types with our reference field and the project, live', async () => {
  const env = { ...s.env, KETEN_SUPPLIER_CA: certs().ca, KETEN_SECRET_JIRA_TOKEN: TOKEN };
  let r = keten(['supplier', 'check', KEY], env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout.match(/^check \d: GET \S+: ok$/gm) || []).length, 4, r.stdout);
  // one check per entry, in the order the stored mapping keeps them
  assert.match(r.stdout, /check \d: GET \S+\/rest\/servicedeskapi\/servicedesk\/1\/requesttype\/10\/field: ok/);
  assert.match(r.stdout, /check \d: GET \S+\/rest\/servicedeskapi\/servicedesk\/1\/requesttype\/11\/field: ok/);
  assert.match(r.stdout, /check \d: GET \S+\/rest\/api\/3\/project\/CHG: ok/);
  r = keten(['supplier', 'check', KEY], { ...env, KETEN_SECRET_JIRA_TOKEN: 'not-the-token' });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /check 0: GET \S+\/rest\/api\/3\/myself: HTTP 401/);
});

test('the published mapping schema and the adapter\'s check give the golden mappings the same verdict', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schemas/adapters/jira.json'), 'utf8')));
  const dir = path.join(ROOT, 'tests/unit/data/jira/cases');
  const cases = readdirSync(dir).filter((f) => f.startsWith('mapping_'));
  assert.ok(cases.length >= 8);
  for (const f of cases) {
    const c = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    assert.equal(validate(c.mapping_whole), c.paths.length === 0, `${f}: ${JSON.stringify(validate.errors)}`);
  }
});

test('every request the adapter sent and every answer of the simulator followed Jira\'s official documents', async () => {
  const all = await received();
  assert.ok(all.length > 20, `${all.length} requests`);
  assert.deepEqual(await jira.control('GET', '/_sim/problems'), []);
  // The check is not vacuous: the same documents refuse a broken request.
  const desk = await loadOpenApi(specFile('jira/service-desk/swagger.v3.json'));
  assert.ok(desk.checkRequest({ method: 'POST', url: '/rest/servicedeskapi/request/1/comment',
    headers: { 'content-type': 'application/json' }, body: '{"body":"x","public":"yes"}' }).length > 0);
  assert.equal(await psql(s.db, `SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
    JOIN suppliers p ON p.id = l.supplier_id WHERE p.key = '${KEY}' AND o.state = 'dead'
    AND o.operation <> 'cancel'`), '0', 'nothing else went to the dead letters');
});
