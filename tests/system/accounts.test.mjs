// accounts.test.mjs - people sign in (issue 15): the keten_session cookie
// and its attributes, one 401 for an unknown email and a wrong password,
// the sign-in throttle (429 with Retry-After, shared by nodes through the
// database), CSRF on every state-changing request of a session (403 and
// nothing stored), sign-out on the server, session fixation, idle and
// absolute timeouts (shrunk by config), one-time invite and reset links
// that expire, a disabled person, a customer's person seeing only its
// customer's tickets, a person's comment naming the person on the
// timeline, bearer keys unaffected, bad input answered 400/422.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, startNode, request, psql, keten, sleep } from './lib/harness.mjs';
import { ticketBody } from './lib/tickets.mjs';
import { checkSchema as check } from './lib/schema-check.mjs';

const PASSWORD = 'correct horse battery staple';

let s;
before(async () => {
  s = await startStack({ config: { KETEN_SIGNIN_MAX_FAILURES: '3' } });
  addPerson(s, 'ann@acme.example', 'Ann Acme', 'customer', 'acme');
  addPerson(s, 'gus@globex.example', 'Gus Globex', 'customer', 'globex');
  addPerson(s, 'ivy@integrator.example', 'Ivy Integrator', 'integrator');
});
after(async () => { await s.stop(); });

// `keten user create` with the password on stdin.
function addPerson(stack, email, name, role, customer, password = PASSWORD) {
  const args = ['user', 'create', '--email', email, '--name', name, '--role', role,
    '--password-stdin'];
  if (customer) args.push('--customer', customer);
  const r = keten(args, stack.env, `${password}\n`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\t')[0];
}

// POST /v1/session; {res, token, cookie, csrf}.
async function signIn(stack, email, password = PASSWORD, headers = {}) {
  const res = await request(stack.url, 'POST', '/v1/session',
    { body: { email, password }, headers });
  const set = res.headers['set-cookie']?.[0] || '';
  const token = /^keten_session=([^;]*)/.exec(set)?.[1];
  return { res, token, set, cookie: `keten_session=${token}`, csrf: res.json?.csrf_token };
}

// A request as the session of who ({cookie, csrf}); csrf: false sends none.
function as(stack, who, method, p, { body, csrf = who.csrf, headers = {} } = {}) {
  const h = { cookie: who.cookie, ...headers };
  if (csrf) h['x-csrf-token'] = csrf;
  return request(stack.url, method, p, { body, headers: h });
}

const count = async (stack, sql) => Number((await psql(stack.db, sql)).trim());

test('sign-in sets a strict session cookie; GET /v1/session says who, for a key too', async () => {
  const ann = await signIn(s, 'ANN@acme.example');
  assert.equal(ann.res.status, 200, ann.res.text);
  assert.match(ann.token, /^kt_[A-Za-z0-9_-]{43}$/);
  const attrs = ann.set.split(';').map((a) => a.trim());
  for (const a of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/'])
    assert.ok(attrs.includes(a), `${a} in ${ann.set}`);
  assert.ok(attrs.some((a) => /^Max-Age=\d+$/.test(a)), ann.set);
  check('SignedIn', ann.res.json);
  assert.equal(ann.res.json.person.email, 'ann@acme.example');
  assert.equal(ann.res.json.person.role, 'customer');
  assert.equal(ann.res.json.person.customer, 'acme');
  assert.match(ann.csrf, /^kt_/);
  assert.ok(!ann.res.text.includes(ann.token), 'the token only in the cookie');
  // Only the token's hash is stored.
  assert.equal(await count(s, `SELECT count(*) FROM sessions WHERE token_hash = sha256('${ann.token}'::bytea)`), 1);
  assert.equal(await count(s, `SELECT count(*) FROM sessions WHERE encode(token_hash, 'escape') LIKE '%${ann.token}%'`), 0);
  assert.match((await psql(s.db, `SELECT password_hash FROM people WHERE email = 'ann@acme.example'`)).trim(),
    /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);

  const me = await as(s, ann, 'GET', '/v1/session');
  assert.equal(me.status, 200, me.text);
  check('Session', me.json);
  assert.equal(me.json.principal.role, 'customer');
  assert.match(me.json.principal.customer_id, /^[0-9a-f-]{36}$/);
  assert.equal(me.json.principal.supplier_id, null);
  assert.deepEqual(Object.keys(me.json.person).filter((k) => ['id', 'email', 'name', 'role', 'customer_id'].includes(k)).sort(),
    ['customer_id', 'email', 'id', 'name', 'role']);
  assert.equal(me.json.person.name, 'Ann Acme');
  assert.equal(me.json.csrf_token, ann.csrf);

  const key = await s.api('GET', '/v1/session', { key: s.keys.netco });
  assert.equal(key.status, 200, key.text);
  check('Session', key.json);
  assert.equal(key.json.principal.role, 'supplier');
  assert.equal(key.json.person, null);
  assert.equal(key.json.csrf_token, null);
  assert.equal((await request(s.url, 'GET', '/v1/session')).status, 401);
});

test('an unknown email and a wrong password get the same 401', async () => {
  const unknown = await signIn(s, 'nobody@acme.example');
  const wrong = await signIn(s, 'gus@globex.example', 'not the password at all');
  for (const r of [unknown, wrong]) {
    assert.equal(r.res.status, 401, r.res.text);
    assert.equal(r.token, undefined);
  }
  assert.deepEqual(unknown.res.json, wrong.res.json);
  assert.equal(unknown.res.json.error.code, 'signin_failed');
  // Gus still signs in (two failures are under the limit of 3), which
  // forgets his failures.
  assert.equal((await signIn(s, 'gus@globex.example')).res.status, 200);
});

test('failed sign-ins are throttled per email with 429 and Retry-After, across nodes', async () => {
  const email = 'throttled@acme.example';
  addPerson(s, email, 'Tess Throttled', 'customer', 'acme');
  const b = await startNode(s, 'second', { KETEN_SIGNIN_MAX_FAILURES: '3' });
  try {
    const nodeB = { url: b.url };
    for (let i = 0; i < 3; i++) {
      const r = await signIn(i % 2 ? nodeB : s, email, 'a wrong password here');
      assert.equal(r.res.status, 401, r.res.text);
    }
    for (const stack of [s, nodeB]) {
      // Even the right password waits for the window: another node too.
      const r = await signIn(stack, email);
      assert.equal(r.res.status, 429, r.res.text);
      assert.equal(r.res.json.error.code, 'signin_throttled');
      const wait = Number(r.res.headers['retry-after']);
      assert.ok(wait >= 1 && wait <= 900, `Retry-After ${wait}`);
      assert.equal(r.token, undefined);
    }
    // Another person is not held up.
    assert.equal((await signIn(s, 'ivy@integrator.example')).res.status, 200);
  } finally {
    await b.stop();
  }
});

test('bad sign-in bodies get 400, 415 and 422 with error bodies', async () => {
  const raw = await request(s.url, 'POST', '/v1/session', { raw: '{"email":' });
  assert.equal(raw.status, 400);
  assert.equal(raw.json.error.code, 'invalid_json');
  const type = await request(s.url, 'POST', '/v1/session',
    { raw: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(type.status, 415);
  const fields = await request(s.url, 'POST', '/v1/session',
    { body: { email: 7, extra: true } });
  assert.equal(fields.status, 422, fields.text);
  assert.equal(fields.json.error.code, 'invalid_signin');
  const paths = fields.json.error.details.map((d) => d.path).sort();
  assert.deepEqual(paths, ['/email', '/extra', '/password']);
  const long = await request(s.url, 'POST', '/v1/session',
    { body: { email: 'ann@acme.example', password: 'x'.repeat(1025) } });
  assert.equal(long.status, 422);
});

test('a session change without the CSRF token is refused with 403 and stores nothing', async () => {
  const ann = await signIn(s, 'ann@acme.example');
  const before = await count(s, 'SELECT count(*) FROM tickets');
  const body = ticketBody(s, { summary: 'csrf probe' });
  for (const csrf of [false, 'kt_wrong', ann.csrf.slice(0, -1)]) {
    const r = await as(s, ann, 'POST', '/v1/tickets', { body, csrf });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, 'csrf_failed');
  }
  assert.equal(await count(s, 'SELECT count(*) FROM tickets'), before);
  // A read needs no token; with the token the change goes through.
  assert.equal((await as(s, ann, 'GET', '/v1/tickets', { csrf: false })).status, 200);
  const ok = await as(s, ann, 'POST', '/v1/tickets', { body });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(await count(s, 'SELECT count(*) FROM tickets'), before + 1);
  // Sign-out is a change too.
  assert.equal((await as(s, ann, 'DELETE', '/v1/session', { csrf: false })).status, 403);
  assert.equal((await as(s, ann, 'GET', '/v1/session')).status, 200);
});

test('sign-out ends the session on the server; the old cookie gets 401', async () => {
  const ann = await signIn(s, 'ann@acme.example');
  const out = await as(s, ann, 'DELETE', '/v1/session');
  assert.equal(out.status, 204, out.text);
  assert.match(out.headers['set-cookie'][0], /^keten_session=; .*Max-Age=0/);
  const again = await as(s, ann, 'GET', '/v1/tickets');
  assert.equal(again.status, 401);
  assert.equal(again.json.error.code, 'session_expired');
  assert.equal(await count(s, `SELECT count(*) FROM sessions WHERE token_hash = sha256('${ann.token}'::bytea) AND ended_at IS NOT NULL`), 1);
  // A key has no session to end.
  const key = await s.api('DELETE', '/v1/session', { key: s.keys.acme });
  assert.equal(key.status, 409);
});

test('session fixation: every sign-in gets a fresh token, a planted one never works', async () => {
  const planted = 'kt_' + 'A'.repeat(43);
  const first = await signIn(s, 'ann@acme.example', PASSWORD, { cookie: `keten_session=${planted}` });
  assert.equal(first.res.status, 200);
  assert.notEqual(first.token, planted);
  assert.equal((await as(s, { cookie: `keten_session=${planted}` }, 'GET', '/v1/tickets')).status, 401);
  // Signing in again with the first cookie ends the first session.
  const second = await signIn(s, 'ann@acme.example', PASSWORD, { cookie: first.cookie });
  assert.equal(second.res.status, 200);
  assert.notEqual(second.token, first.token);
  assert.notEqual(second.csrf, first.csrf);
  assert.equal((await as(s, first, 'GET', '/v1/tickets')).status, 401);
  assert.equal((await as(s, second, 'GET', '/v1/tickets')).status, 200);
});

test('a customer person sees only its customer tickets; a bearer key wins over a cookie', async () => {
  const ann = await signIn(s, 'ann@acme.example');
  const gus = await signIn(s, 'gus@globex.example');
  const created = await as(s, ann, 'POST', '/v1/tickets',
    { body: ticketBody(s, { summary: 'ann reports' }) });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  assert.equal((await as(s, ann, 'GET', `/v1/tickets/${id}`)).status, 200);
  const other = await as(s, gus, 'GET', `/v1/tickets/${id}`);
  assert.equal(other.status, 404, other.text);
  const list = await as(s, gus, 'GET', '/v1/tickets');
  assert.ok(!list.json.items.some((t) => t.id === id));
  // Gus's cookie with acme's key: the key decides.
  const both = await request(s.url, 'GET', `/v1/tickets/${id}`,
    { key: s.keys.acme, headers: { cookie: gus.cookie } });
  assert.equal(both.status, 200);
  // A customer's person is no integrator.
  const people = await as(s, ann, 'GET', '/v1/people');
  assert.equal(people.status, 403);
  // Bearer keys work as before.
  assert.equal((await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.acme })).status, 200);
  assert.equal((await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.globex })).status, 404);
});

test('a person comment names the person on the timeline; the audit trail still verifies', async () => {
  const ann = await signIn(s, 'ann@acme.example');
  const ivy = await signIn(s, 'ivy@integrator.example');
  const created = await as(s, ann, 'POST', '/v1/tickets',
    { body: ticketBody(s, { summary: 'timeline names' }) });
  const id = created.json.id;
  const c1 = await as(s, ann, 'POST', `/v1/tickets/${id}/comments`, { body: { text: 'from Ann' } });
  assert.equal(c1.status, 201, c1.text);
  const c2 = await as(s, ivy, 'POST', `/v1/tickets/${id}/comments`,
    { body: { text: 'from Ivy', visibility: 'customer' } });
  assert.equal(c2.status, 201, c2.text);

  const annId = (await psql(s.db, `SELECT id FROM people WHERE email = 'ann@acme.example'`)).trim();
  assert.equal(await count(s, `SELECT count(*) FROM events WHERE ticket_id = '${id}' AND person_id = '${annId}' AND key_id IS NULL`) >= 2, true);

  const integ = await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.integrator });
  const annEntry = integ.json.timeline.find((e) => e.kind === 'comment' && e.data?.text === 'from Ann');
  check('Ticket', integ.json);
  check('Ticket', (await as(s, ann, 'GET', `/v1/tickets/${id}`)).json);
  assert.equal(annEntry.person.name, 'Ann Acme');
  assert.equal(annEntry.key_id, null);
  const ivyEntry = integ.json.timeline.find((e) => e.kind === 'comment' && e.data?.text === 'from Ivy');
  assert.equal(ivyEntry.person.name, 'Ivy Integrator');

  // The customer sees its own person's name, the integrator's person by role.
  const mine = await as(s, ann, 'GET', `/v1/tickets/${id}`);
  const a = mine.json.timeline.find((e) => e.text === 'from Ann');
  assert.equal(a.actor, 'customer');
  assert.equal(a.actor_name, 'Ann Acme');
  const i = mine.json.timeline.find((e) => e.text === 'from Ivy');
  assert.equal(i.actor, 'integrator');
  assert.equal(i.actor_name, undefined);
  assert.ok(!mine.text.includes('Ivy Integrator'));

  const audit = keten(['audit', 'verify'], s.env);
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
});

test('an Idempotency-Key of a person holds across their sessions', async () => {
  const one = await signIn(s, 'ann@acme.example');
  const two = await signIn(s, 'ann@acme.example');
  const body = ticketBody(s, { summary: 'idempotent person' });
  const headers = { 'idempotency-key': 'person-idem-1' };
  const a = await as(s, one, 'POST', '/v1/tickets', { body, headers });
  const b = await as(s, two, 'POST', '/v1/tickets', { body, headers });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.text, a.text);
  // The same key of another caller is its own.
  const k = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body, headers });
  assert.notEqual(k.json.id, a.json.id);
});

test('invite and reset links work once; a reset ends the sessions; a disabled person is refused', async () => {
  const ivy = await signIn(s, 'ivy@integrator.example');
  const inv = await as(s, ivy, 'POST', '/v1/people',
    { body: { email: 'new@acme.example', name: 'Nia New', role: 'customer', customer: 'acme' } });
  assert.equal(inv.status, 201, inv.text);
  check('Invite', inv.json);
  assert.equal(inv.json.person.state, 'invited');
  assert.equal(inv.json.link.kind, 'invite');
  assert.match(inv.json.link.path, /^\/password\.html#token=kt_/);
  assert.ok(inv.json.link.path.endsWith(inv.json.link.token));
  assert.match(inv.json.link.expires_at, /Z$/);
  // Only its hash is stored.
  assert.equal(await count(s, `SELECT count(*) FROM person_links WHERE token_hash = sha256('${inv.json.link.token}'::bytea)`), 1);
  // Not without a password yet; a short password is refused.
  assert.equal((await signIn(s, 'new@acme.example', '')).res.status, 422);
  const short = await request(s.url, 'POST', '/v1/session/password',
    { body: { token: inv.json.link.token, password: 'short' } });
  assert.equal(short.status, 422);
  assert.equal(short.json.error.code, 'password_too_short');
  const set = await request(s.url, 'POST', '/v1/session/password',
    { body: { token: inv.json.link.token, password: 'a brand new password' } });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.state, 'active');
  const again = await request(s.url, 'POST', '/v1/session/password',
    { body: { token: inv.json.link.token, password: 'another new password' } });
  assert.equal(again.status, 422);
  assert.equal(again.json.error.code, 'link_invalid');
  const nia = await signIn(s, 'new@acme.example', 'a brand new password');
  assert.equal(nia.res.status, 200);
  // The same email again: 409; bad fields: 422 with details.
  const dup = await as(s, ivy, 'POST', '/v1/people',
    { body: { email: 'NEW@acme.example', name: 'x', role: 'integrator' } });
  assert.equal(dup.status, 409);
  const bad = await as(s, ivy, 'POST', '/v1/people',
    { body: { email: 'no-at', name: '', role: 'supplier', customer: 'acme' } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.json.error.details.map((d) => d.path).sort(), ['/email', '/name', '/role']);
  const unknown = await as(s, ivy, 'POST', '/v1/people',
    { body: { email: 'x@nowhere.example', name: 'X', role: 'customer', customer: 'nowhere' } });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.json.error.code, 'unknown_customer');

  // A reset: a new password, the old sessions end, the link once only.
  const personId = inv.json.person.id;
  const reset = await as(s, ivy, 'POST', `/v1/people/${personId}/reset`);
  assert.equal(reset.status, 201, reset.text);
  check('Reset', reset.json);
  assert.equal(reset.json.link.kind, 'reset');
  const used = await request(s.url, 'POST', '/v1/session/password',
    { body: { token: reset.json.link.token, password: 'the reset password' } });
  assert.equal(used.status, 200, used.text);
  assert.equal((await as(s, nia, 'GET', '/v1/tickets')).status, 401);
  assert.equal((await signIn(s, 'new@acme.example', 'a brand new password')).res.status, 401);
  const nia2 = await signIn(s, 'new@acme.example', 'the reset password');
  assert.equal(nia2.res.status, 200);
  assert.equal((await request(s.url, 'POST', '/v1/session/password',
    { body: { token: reset.json.link.token, password: 'yet another password' } })).status, 422);

  // Listing: no password hash; disabling ends every session.
  const list = await as(s, ivy, 'GET', '/v1/people?limit=200');
  assert.equal(list.status, 200, list.text);
  check('PersonPage', list.json);
  assert.ok(list.json.items.some((p) => p.email === 'new@acme.example'));
  assert.ok(!list.text.includes('$scrypt$'));
  const dis = await as(s, ivy, 'POST', `/v1/people/${personId}/disable`);
  assert.equal(dis.status, 200, dis.text);
  check('Person', dis.json);
  assert.equal(dis.json.state, 'disabled');
  assert.equal((await as(s, nia2, 'GET', '/v1/tickets')).status, 401);
  const refused = await signIn(s, 'new@acme.example', 'the reset password');
  assert.equal(refused.res.status, 403);
  assert.equal(refused.res.json.error.code, 'person_disabled');
  assert.equal((await as(s, ivy, 'POST', '/v1/people/not-a-uuid/disable')).status, 404);
  // A customer's key cannot invite.
  assert.equal((await s.api('POST', '/v1/people', { key: s.keys.acme,
    body: { email: 'k@acme.example', name: 'K', role: 'integrator' } })).status, 403);
});

test('idle and absolute timeouts, link expiry and the per-address throttle, with the settings shrunk', async () => {
  const t = await startStack({ config: { KETEN_SESSION_IDLE_S: '2', KETEN_SESSION_ABSOLUTE_S: '5',
    KETEN_PERSON_LINK_S: '1', KETEN_SIGNIN_MAX_FAILURES_ADDRESS: '4' } });
  try {
    addPerson(t, 'ann@acme.example', 'Ann Acme', 'customer', 'acme');
    // Idle: unused for longer than 2 s.
    const idle = await signIn(t, 'ann@acme.example');
    assert.equal((await as(t, idle, 'GET', '/v1/tickets')).status, 200);
    await sleep(3000);
    assert.equal((await as(t, idle, 'GET', '/v1/tickets')).status, 401);
    // Absolute: used every 0.5 s, still ends after 5 s.
    const busy = await signIn(t, 'ann@acme.example');
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 30000) {
      await sleep(500);
      status = (await as(t, busy, 'GET', '/v1/tickets')).status;
    }
    assert.equal(status, 401);
    assert.ok(Date.now() - started >= 4000, `ended after ${Date.now() - started} ms`);
    // A link used after its second of life.
    const r = keten(['user', 'reset', 'ann@acme.example'], { ...t.env, KETEN_PERSON_LINK_S: '1' });
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trim().split('#token=')[1];
    assert.match(token, /^kt_/);
    await sleep(1500);
    const late = await request(t.url, 'POST', '/v1/session/password',
      { body: { token, password: 'too late for this one' } });
    assert.equal(late.status, 422);
    assert.equal(late.json.error.code, 'link_invalid');
    // Per address: failures for four different emails hold up a fifth.
    for (let i = 0; i < 4; i++)
      assert.equal((await signIn(t, `guess${i}@acme.example`, 'some guessed password')).res.status, 401);
    const held = await signIn(t, 'ann@acme.example');
    assert.equal(held.res.status, 429, held.res.text);
    assert.ok(Number(held.res.headers['retry-after']) >= 1);
  } finally {
    await t.stop();
  }
});

test('keten user: create, list, invite, reset, disable, and usage errors', async () => {
  const list = keten(['user', 'list'], s.env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^id\temail\trole\tcustomer\tstate\tcreated_at\tname\n/);
  assert.match(list.stdout, /\tann@acme\.example\tcustomer\tacme\tactive\t.*\tAnn Acme\n/);
  assert.ok(!list.stdout.includes('$scrypt$'));
  const inv = keten(['user', 'invite', '--email', 'cli@acme.example', '--name', 'Cli',
    '--role', 'integrator'], s.env);
  assert.equal(inv.code, 0, inv.stderr);
  assert.match(inv.stdout, /^\/password\.html#token=kt_[A-Za-z0-9_-]{43}\n$/);
  const dis = keten(['user', 'disable', 'cli@acme.example'], s.env);
  assert.equal(dis.code, 0, dis.stderr);
  assert.match(dis.stdout, /\tdisabled\t/);
  assert.equal(keten(['user', 'reset', 'cli@acme.example'], s.env).code, 1);
  assert.equal(keten(['user', 'reset', 'nobody@acme.example'], s.env).code, 1);
  assert.equal(keten(['user', 'create', '--email', 'x@acme.example', '--name', 'X',
    '--role', 'customer'], s.env).code, 2);
  const weak = keten(['user', 'create', '--email', 'weak@acme.example', '--name', 'W',
    '--role', 'integrator', '--password-stdin'], s.env, 'short\n');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /at least 12 characters/);
  const help = keten(['user', '--help'], s.env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--password-stdin/);
});
