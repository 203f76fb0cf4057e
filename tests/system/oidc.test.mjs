// oidc.test.mjs - single sign-on with OpenID Connect (issue 15) against a
// real provider: the npm `oidc-provider` over HTTPS on loopback
// (lib/oidc-idp.mjs), its login form driven with node's HTTPS requests.
// An integrator and a customer are signed in with the right role and
// customer and their session works on GET /v1/session; a person whose
// claims map to no role gets a 403 page and no session; a state works
// once; a forged code is refused; next never leaves the site; a provider
// out of reach (or at a loopback address not allowed) is a 503 page; bad
// settings stop the start; rotated provider keys are fetched again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { startStack, startNode, psql, keten, certs, sleep } from './lib/harness.mjs';
import { startIdp, oidcConfig, signIn, freePort } from './lib/oidc-idp.mjs';

let s;
let idp;
let redirectUri;

before(async () => {
  const port = await freePort();
  redirectUri = `https://127.0.0.1:${port}/v1/oidc/callback`;
  idp = await startIdp({ redirectUri });
  s = await startStack({ listen: `127.0.0.1:${port}`,
    config: { ...oidcConfig(idp, port), KETEN_OIDC_JWKS_REFETCH_S: '1' } });
});
after(async () => {
  await s?.stop();
  await idp?.stop();
});

async function session(cookie) {
  return s.api('GET', '/v1/session', { headers: { cookie } });
}

test('the sign-in page learns that single sign-on is on, and its label', async () => {
  const r = await s.api('GET', '/v1/session/methods');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.oidc, { enabled: true, label: 'Example SSO', login_url: '/v1/oidc/login' });
  const doc = JSON.parse(readFileSync(new URL('../../schemas/openapi.json', import.meta.url)));
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ $id: 'openapi', components: doc.components });
  assert.ok(ajv.validate('openapi#/components/schemas/SessionMethods', r.json), JSON.stringify(ajv.errors));
});

test('the login redirects to the provider with state, nonce and an S256 challenge', async () => {
  const r = await s.api('GET', '/v1/oidc/login?next=/integrator.html');
  assert.equal(r.status, 302, r.text);
  const to = new URL(r.headers.location);
  assert.equal(to.origin, idp.issuer);
  for (const p of ['state', 'nonce', 'code_challenge']) assert.match(to.searchParams.get(p), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(to.searchParams.get('client_id'), 'keten');
  assert.equal(to.searchParams.get('response_type'), 'code');
  const rows = await psql(s.db, `SELECT next_path, used_at IS NULL, expires_at > now() + interval '5 minutes'
    FROM oidc_logins ORDER BY created_at DESC LIMIT 1`);
  assert.equal(rows, '/integrator.html|t|t', 'kept on the server, unused, for oidc_login_ttl_s');
  assert.equal(await psql(s.db, `SELECT count(*) FROM oidc_logins WHERE state_hash = '${to.searchParams.get('state')}'`),
    '0', 'the state itself is not stored, only its hash');
});

test('an integrator signs in and the session is an integrator\'s', async () => {
  const r = await signIn(s.url, 'alice', { next: '/integrator.html' });
  assert.equal(r.status, 302, r.text);
  assert.equal(r.location, '/integrator.html');
  assert.match(r.headers['set-cookie'].join('\n'), /keten_session=[^;]+;.*HttpOnly/i);
  const me = await session(r.cookie);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.principal.role, 'integrator');
  assert.equal(me.json.person.email, 'alice@example.test');
  assert.equal(me.json.person.role, 'integrator');
  const row = await psql(s.db, `SELECT oidc_issuer, oidc_subject FROM people WHERE email = 'alice@example.test'`);
  assert.equal(row, `${idp.issuer}|alice`, 'the person is kept by (issuer, subject)');
});

test('a customer signs in mapped to the customer its claim names', async () => {
  const r = await signIn(s.url, 'bob', { next: '/customer.html' });
  assert.equal(r.status, 302, r.text);
  const me = await session(r.cookie);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.principal.role, 'customer');
  const acme = await psql(s.db, `SELECT id FROM customers WHERE key = 'acme'`);
  assert.equal(me.json.principal.customer_id, acme);
  // A second sign-in finds the same person, not a new one.
  const again = await signIn(s.url, 'bob');
  assert.equal(again.status, 302, again.text);
  assert.equal(await psql(s.db, `SELECT count(*) FROM people WHERE oidc_subject = 'bob'`), '1');
});

test('a person whose claims map to no role is refused with a page, and no session', async () => {
  const before = await psql(s.db, 'SELECT count(*) FROM people');
  const r = await signIn(s.url, 'carol');
  assert.equal(r.status, 403, r.text);
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.match(r.text, /not given a role in\s+Keten/);
  assert.equal(r.headers['set-cookie'], undefined, 'no cookie');
  assert.equal(await psql(s.db, 'SELECT count(*) FROM people'), before, 'nobody kept');
});

test('an unknown customer, an email another account has, no email, a disabled person: refused', async () => {
  // Erin already has a password account: the provider's email never takes it over.
  await psql(s.db, `INSERT INTO people (email, name, role) VALUES ('Erin@example.test', 'Erin', 'integrator')`);
  const cases = [
    ['dave', 403, /names customer &quot;no-such-customer&quot;/],
    ['erin', 409, /another account already has the email/],
    ['frank', 403, /gives no email address/],
  ];
  for (const [who, status, want] of cases) {
    const r = await signIn(s.url, who);
    assert.equal(r.status, status, `${who}: ${r.text}`);
    assert.match(r.text, want);
    assert.equal(r.headers['set-cookie'], undefined, who);
  }
  assert.equal(await psql(s.db, `SELECT count(*) FROM people WHERE oidc_subject IN ('dave', 'erin', 'frank')`), '0');
  // Bob, disabled by the integrator, can no longer sign in through the provider.
  assert.equal((await signIn(s.url, 'bob')).status, 302);
  await psql(s.db, `UPDATE people SET disabled_at = now() WHERE oidc_subject = 'bob'`);
  const r = await signIn(s.url, 'bob');
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /may no longer sign in/);
  await psql(s.db, `UPDATE people SET disabled_at = NULL WHERE oidc_subject = 'bob'`);
});

test('a sign-in ends the session the browser already had (no session fixation)', async () => {
  const first = await signIn(s.url, 'alice');
  const again = await signIn(s.url, 'alice', { jar: first.jar });
  assert.equal(again.status, 302, again.text);
  assert.notEqual(again.cookie, first.cookie, 'a fresh token');
  assert.equal((await session(first.cookie)).status, 401, 'the old session ended');
  assert.equal((await session(again.cookie)).status, 200);
});

test('a state works once: the callback replayed is refused', async () => {
  const { callbackUrl, jar } = await signIn(s.url, 'alice', { stopAtCallback: true });
  const u = new URL(callbackUrl);
  const first = await s.api('GET', u.pathname + u.search);
  assert.equal(first.status, 302, first.text);
  const replay = await s.api('GET', u.pathname + u.search);
  assert.equal(replay.status, 401, replay.text);
  assert.match(replay.text, /unknown, used or expired/);
  assert.equal(replay.headers['set-cookie'], undefined);
  assert.ok(jar);
  const unknown = await s.api('GET', '/v1/oidc/callback?code=x&state=not-a-state');
  assert.equal(unknown.status, 401, unknown.text);
  const none = await s.api('GET', '/v1/oidc/callback?code=x');
  assert.equal(none.status, 400, none.text);
});

test('a code the provider did not issue is refused by it, and the state is spent', async () => {
  const { callbackUrl } = await signIn(s.url, 'alice', { stopAtCallback: true });
  const u = new URL(callbackUrl);
  u.searchParams.set('code', 'forged-code');
  const r = await s.api('GET', u.pathname + u.search);
  assert.equal(r.status, 401, r.text);
  assert.match(r.text, /refused the sign-in code/);
  u.searchParams.set('code', new URL(callbackUrl).searchParams.get('code'));
  assert.equal((await s.api('GET', u.pathname + u.search)).status, 401, 'the state was used');
});

test('next never sends a person off the site', async () => {
  for (const next of ['https://evil.test/', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)']) {
    const r = await signIn(s.url, 'alice', { next });
    assert.equal(r.status, 302, r.text);
    assert.equal(r.location, '/', next);
  }
});

test('a provider out of reach or at an address not allowed: a 503 page', async () => {
  const cases = [
    [{ KETEN_OIDC_ISSUER: 'https://127.0.0.1:1' }, /could not reach the sign-in provider/],
    // Loopback is not allowed unless oidc_allow_addresses says so.
    [{ KETEN_OIDC_ALLOW_ADDRESSES: '' }, /could not reach the sign-in provider.*loopback/],
  ];
  for (const [env, want] of cases) {
    const node = await startNode(s, 'sso-down', { ...oidcConfig(idp, 1), ...env });
    const r = await node.api('GET', '/v1/oidc/login');
    assert.equal(r.status, 503, r.text);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.text, want);
    await node.stop();
  }
});

test('bad single sign-on settings stop the start with a clear error', async () => {
  const base = { ...s.env, ...oidcConfig(idp, 1), KETEN_TLS_CERT: certs().cert, KETEN_TLS_KEY: certs().key };
  const cases = [
    [{ KETEN_OIDC_ALLOWED_ALGS: 'RS256,HS256' }, /oidc_allowed_algs.*none and HS\* are never accepted/],
    [{ KETEN_OIDC_ALLOWED_ALGS: 'none' }, /oidc_allowed_algs/],
    [{ KETEN_OIDC_ISSUER: 'http://idp.test' }, /oidc_issuer.*https/],
    [{ KETEN_OIDC_REDIRECT_URI: 'https://keten.test/elsewhere' }, /oidc_redirect_uri/],
    [{ KETEN_OIDC_SCOPES: 'email' }, /oidc_scopes.*openid/],
    [{ KETEN_OIDC_INTEGRATOR_VALUES: '', KETEN_OIDC_CUSTOMER_VALUES: '' }, /nobody can sign in/],
    [{ KETEN_OIDC_CLIENT_SECRET_REF: 'env:KETEN_SECRET_NOT_SET' }, /KETEN_SECRET_NOT_SET/],
    [{ KETEN_OIDC_ALLOW_ADDRESSES: 'everywhere' }, /oidc_allow_addresses/],
  ];
  for (const [env, want] of cases) {
    const r = keten(['serve', '--check-config'], { ...base, ...env });
    assert.equal(r.code, 1, JSON.stringify(env) + r.stdout);
    assert.match(r.stderr, want);
  }
  const ok = keten(['serve', '--check-config'], base);
  assert.equal(ok.code, 0, ok.stderr);
});

test('the provider rotates its keys: the next sign-in fetches them again', async () => {
  // The same provider (issuer, client) with new keys, signing RS256 now.
  const port = Number(new URL(idp.issuer).port);
  const { clientSecret } = idp;
  await idp.stop();
  idp = await startIdp({ redirectUri, port, clientSecret, alg: 'RS256' });
  await sleep(1100); // past oidc_jwks_refetch_s since the keys were fetched
  const r = await signIn(s.url, 'alice', { next: '/integrator.html' });
  assert.equal(r.status, 302, r.text);
  assert.equal(r.location, '/integrator.html');
  assert.equal((await session(r.cookie)).json.principal.role, 'integrator');
});
