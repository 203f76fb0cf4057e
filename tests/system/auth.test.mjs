// auth.test.mjs - the supplier auth modules end to end: one HTTPS server
// of the test plays suppliers behind the `webhook` adapter whose chain
// entries authenticate with basic, bearer (default and RT's "token"
// scheme), an API token header and OAuth2 client credentials, and plays
// their token endpoint too. Each supplier gets exactly its header; an
// OAuth2 token is fetched once for many calls, fetched afresh after a 401
// (once, however many calls the old token had in flight) and before it
// expires; a failing token endpoint leaves messages pending
// until it recovers, none lost; and no secret or token shows in the log
// or in any API answer. Eventual outcomes only, with generous ceilings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startStack, chainDoc, certs, eventually, keten, secret } from './lib/harness.mjs';
import { dispatchRounds } from './lib/metrics.mjs';
import { fileTicketId } from './lib/tickets.mjs';

const hex = (n) => randomBytes(n).toString('hex');

// Every secret the broker is given (env name -> value). Secrets hold no
// blank (a blank separates the secrets of a rotation); the special
// characters test the token request's form encoding.
const SECRETS = {
  KETEN_SECRET_AUTHT_WHSEC: secret(),
  KETEN_SECRET_AUTHT_BASIC_PW: `p:ss&${hex(8)}`,
  KETEN_SECRET_AUTHT_BEARER: `bt-${hex(12)}`,
  KETEN_SECRET_AUTHT_RT_TOKEN: `rt-${hex(12)}`,
  KETEN_SECRET_AUTHT_API_KEY: `ak-${hex(12)}`,
  KETEN_SECRET_AUTHT_CLIENT_SECRET: `cs+&=/%${hex(10)}`,
};

// The OAuth2 suppliers: key -> client id and the lifetime their tokens get.
const OAUTH = {
  'oauth-shared': { client: 'shared-client', expiresIn: 3600 },
  'oauth-revoke': { client: 'revoke-client', expiresIn: 3600 },
  'oauth-expiry': { client: 'expiry-client', expiresIn: 3 },
  'oauth-fail': { client: 'fail-client', expiresIn: 3600 },
  // one active token per client: a new token revokes the ones before it
  'oauth-burst': { client: 'burst-client', expiresIn: 3600, oneActive: true },
};
// The server honours a token this much longer than it said, as real
// providers allow for clock skew: a broker that uses a token past its
// expires_in still gets through, so only the fetch counts tell.
const GRACE_MS = 3000;

// The test's supplier and token endpoint, on one HTTPS server.
function startSupplier() {
  const received = [];  // {key, auth, headers, json, answered, at}
  const fetches = [];   // {client, form, answered, token, at}
  const tokens = new Map(); // token -> {client, validUntil, revoked}
  const tokenMode = {}; // client -> {status, body, delayMs}
  const slow401 = {};   // supplier key -> 401s answered so far, when slow
  let n = 0;
  const server = https.createServer({ cert: readFileSync(certs().cert), key: readFileSync(certs().key) },
    (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => { body += d; });
      req.on('end', () => handle(req, body, res));
    });

  function answer(res, status, json) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  }

  async function handle(req, body, res) {
    const url = new URL(req.url, 'https://x');
    if (url.pathname === '/token') {
      const form = new URLSearchParams(body);
      const client = form.get('client_id');
      const mode = tokenMode[client] || {};
      const f = { client, form: Object.fromEntries(form), headers: req.headers, at: Date.now() };
      fetches.push(f);
      if (mode.delayMs) await new Promise((r) => setTimeout(r, mode.delayMs));
      const ours = Object.values(OAUTH).find((o) => o.client === client);
      if (mode.status) {
        f.answered = mode.status;
        return answer(res, mode.status, mode.body || {});
      }
      if (!ours || form.get('client_secret') !== SECRETS.KETEN_SECRET_AUTHT_CLIENT_SECRET) {
        f.answered = 401;
        return answer(res, 401, { error: 'invalid_client' });
      }
      const token = `at-${hex(16)}`;
      if (ours.oneActive) for (const t of tokens.values()) if (t.client === client) t.revoked = true;
      tokens.set(token, { client, validUntil: Date.now() + ours.expiresIn * 1000 + GRACE_MS });
      f.answered = 200;
      f.token = token;
      return answer(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ours.expiresIn });
    }
    const key = url.pathname.replace(/^\/hooks\//, '');
    let json = null;
    try { json = JSON.parse(body); } catch { json = null; }
    const r = { key, auth: req.headers.authorization, headers: req.headers, json, at: Date.now() };
    received.push(r);
    if (OAUTH[key]) {
      const t = (r.auth || '').replace(/^Bearer /, '');
      const known = tokens.get(t);
      r.token = t;
      if (!known || known.revoked || known.client !== OAUTH[key].client || Date.now() > known.validUntil) {
        r.answered = 401;
        // a slow supplier: its first refusal waits until a second call
        // with a refused token is in (at most 5 s), so that several are in
        // flight with it whatever the dispatcher's rounds; later refusals
        // come late
        if (slow401[key] !== undefined && slow401[key]++ === 0) {
          const until = Date.now() + 5000;
          while (slow401[key] < 2 && Date.now() < until) await new Promise((res2) => setTimeout(res2, 20));
        } else if (slow401[key] !== undefined) {
          await new Promise((res2) => setTimeout(res2, 1500));
        }
        return answer(res, 401, { error: 'invalid_token' });
      }
    }
    if (json?.type === 'leg.lookup') {
      r.answered = 404;
      return answer(res, 404, {});
    }
    r.answered = json?.type === 'leg.create' ? 201 : 200;
    return answer(res, r.answered, json?.type === 'leg.create' ? { id: `${key}-${++n}` } : {});
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `https://127.0.0.1:${server.address().port}`;
      resolve({
        url, received, fetches, tokens, tokenMode, slow401,
        // The creates key received for ticket id.
        creates: (key, id) => received.filter((x) => x.key === key && x.json?.type === 'leg.create' &&
          x.json?.data?.id === id),
        fetchesOf: (key) => fetches.filter((f) => f.client === OAUTH[key].client),
        issued: () => [...tokens.keys()],
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
      });
    });
  });
}

// The harness's chain with the test's suppliers as components of
// acme-workplace (component key = supplier key).
function chainWith(sup) {
  const oauth = (client) => ({ kind: 'oauth2-client-credentials', token_url: `${sup.url}/token`,
    client_id: client, scope: 'tickets:write', secret_ref: 'env:KETEN_SECRET_AUTHT_CLIENT_SECRET' });
  const ours = [
    ['basicco', { kind: 'basic', username: 'keten', secret_ref: 'env:KETEN_SECRET_AUTHT_BASIC_PW' }],
    // no secret_ref of its own: the entry's
    ['bearerco', { kind: 'bearer' }],
    ['rtco', { kind: 'bearer', scheme: 'token', secret_ref: 'env:KETEN_SECRET_AUTHT_RT_TOKEN' }],
    ['headerco', { kind: 'header', header: 'X-Api-Key', secret_ref: 'env:KETEN_SECRET_AUTHT_API_KEY' }],
    ...Object.entries(OAUTH).map(([k, o]) => [k, oauth(o.client)]),
  ];
  return (sims) => {
    const doc = chainDoc(sims);
    for (const [key, auth] of ours) {
      doc.suppliers.push({ key, name: key, adapter: 'webhook', endpoint: `${sup.url}/hooks/${key}`,
        secret_ref: 'env:KETEN_SECRET_AUTHT_WHSEC', auth });
      doc.services[0].components[0].children.push({ key, name: key, kind: 'application', supplier: key });
    }
    return doc;
  };
}

const legOf = async (s, id) => {
  const v = await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.integrator });
  assert.equal(v.status, 200, v.text);
  return v.json.legs[0];
};

const delivered = (s, id, what) => eventually(async () => {
  const leg = await legOf(s, id);
  return leg.delivery?.state === 'done' && leg.external_id ? leg : null;
}, 30000, what);

describe('supplier auth modules', () => {
  let s, sup;
  const tickets = [];
  const file = async (component, summary) => {
    const id = await fileTicketId(s, component, summary);
    tickets.push(id);
    return id;
  };

  before(async () => {
    sup = await startSupplier();
    s = await startStack({ chain: chainWith(sup), config: {
      ...SECRETS,
      KETEN_RETRY_BASE_MS: '200', KETEN_RETRY_MAX_MS: '1000', KETEN_DISPATCH_INTERVAL_MS: '100',
      // a failing token endpoint must not open the circuit in these tests
      KETEN_BREAKER_FAILURES: '1000',
    } });
  });
  after(async () => {
    await s?.stop();
    await sup?.close();
  });

  test('basic, bearer, bearer with a scheme and header: each supplier gets exactly its header', async () => {
    const want = {
      basicco: ['authorization', 'Basic ' + Buffer.from(`keten:${SECRETS.KETEN_SECRET_AUTHT_BASIC_PW}`).toString('base64')],
      bearerco: ['authorization', `Bearer ${SECRETS.KETEN_SECRET_AUTHT_WHSEC}`],
      rtco: ['authorization', `token ${SECRETS.KETEN_SECRET_AUTHT_RT_TOKEN}`],
      headerco: ['x-api-key', SECRETS.KETEN_SECRET_AUTHT_API_KEY],
    };
    for (const [key, [header, value]] of Object.entries(want)) {
      const id = await file(key, `auth ${key}`);
      await delivered(s, id, `the create to ${key}`);
      const got = sup.creates(key, id);
      assert.equal(got.length, 1, key);
      assert.equal(got[0].headers[header], value, `${key}: ${header}`);
      // only the auth module's header authenticates: no signature beside it
      assert.equal(got[0].headers['webhook-signature'], undefined, key);
      if (header !== 'authorization') assert.equal(got[0].headers.authorization, undefined, key);
    }
  });

  test('oauth2: the token request, and many calls at once share one token fetch', async () => {
    const key = 'oauth-shared';
    sup.tokenMode[OAUTH[key].client] = { delayMs: 700 };
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => file(key, `shared ${i}`)));
    for (const id of ids) await delivered(s, id, `the create of ${id}`);
    await dispatchRounds(s);
    const fetches = sup.fetchesOf(key);
    assert.equal(fetches.length, 1, `token fetches: ${fetches.length}`);
    const f = fetches[0];
    assert.deepEqual(f.form, { grant_type: 'client_credentials', client_id: 'shared-client',
      client_secret: SECRETS.KETEN_SECRET_AUTHT_CLIENT_SECRET, scope: 'tickets:write' });
    assert.match(f.headers['content-type'], /^application\/x-www-form-urlencoded/);
    for (const id of ids) {
      const got = sup.creates(key, id);
      assert.equal(got.length, 1, id);
      assert.equal(got[0].auth, `Bearer ${f.token}`);
    }
  });

  test('oauth2: a 401 makes one fresh token fetch, and the delivery then succeeds', async () => {
    const key = 'oauth-revoke';
    const first = await file(key, 'before the revocation');
    await delivered(s, first, 'the first create');
    assert.equal(sup.fetchesOf(key).length, 1);
    const old = sup.fetchesOf(key)[0].token;
    sup.tokens.get(old).revoked = true;

    const id = await file(key, 'after the revocation');
    await delivered(s, id, 'the create after a 401');
    await dispatchRounds(s);
    const fetches = sup.fetchesOf(key);
    assert.equal(fetches.length, 2, `token fetches: ${fetches.length}`);
    const got = sup.creates(key, id);
    assert.deepEqual(got.map((x) => [x.token, x.answered]), [[old, 401], [fetches[1].token, 201]]);
  });

  test('oauth2: late 401s to a token already replaced make no further fetch', async () => {
    const key = 'oauth-burst';
    const first = await file(key, 'before the revocation');
    await delivered(s, first, 'the first create');
    sup.tokens.get(sup.fetchesOf(key)[0].token).revoked = true;
    sup.slow401[key] = 0;
    // sent with the revoked token; the first refusal is held until a
    // second call with it is in, the others come after the fresh token
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => file(key, `burst ${i}`)));
    for (const id of ids) await delivered(s, id, `the create of ${id}`);
    await dispatchRounds(s);
    assert.ok(sup.slow401[key] >= 2, `401s: ${sup.slow401[key]}`);
    const fetches = sup.fetchesOf(key);
    assert.equal(fetches.length, 2, `token fetches: ${fetches.length}`);
    for (const id of ids) {
      const ok = sup.creates(key, id).filter((x) => x.answered === 201);
      assert.deepEqual(ok.map((x) => x.token), [fetches[1].token], id);
    }
  });

  test('oauth2: a token about to expire is fetched afresh before it is used', async () => {
    const key = 'oauth-expiry';
    const first = await file(key, 'first token');
    await delivered(s, first, 'the first create');
    const [f1] = sup.fetchesOf(key);
    // past the token's expires_in (3 s), still within the server's grace
    await eventually(() => Date.now() > f1.at + OAUTH[key].expiresIn * 1000 + 300, 10000, 'the token expired');
    const id = await file(key, 'second token');
    await delivered(s, id, 'the second create');
    const fetches = sup.fetchesOf(key);
    assert.equal(fetches.length, 2, `token fetches: ${fetches.length}`);
    assert.deepEqual(sup.creates(key, id).map((x) => [x.token, x.answered]), [[fetches[1].token, 201]]);
    assert.ok(!sup.received.some((x) => x.key === key && x.answered === 401), 'no call went out with an expired token');
  });

  test('oauth2: a failing token endpoint leaves messages pending and retried; none is lost', async () => {
    const key = 'oauth-fail';
    const client = OAUTH[key].client;
    sup.tokenMode[client] = { status: 401, body: { error: 'invalid_client' } };
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await file(key, `token endpoint down ${i}`));
    await eventually(() => sup.fetchesOf(key).length >= 4, 30000, 'the token fetch retried');
    sup.tokenMode[client] = { status: 503, body: { error: 'temporarily_unavailable' } };
    const before = sup.fetchesOf(key).length;
    await eventually(() => sup.fetchesOf(key).length >= before + 2, 30000, 'fetches on a 503');
    for (const id of ids) {
      const leg = await legOf(s, id);
      assert.equal(leg.delivery.state, 'pending', JSON.stringify(leg.delivery));
      assert.ok(leg.delivery.attempts >= 1, JSON.stringify(leg.delivery));
      // the integrator sees why, as the broker's failure, not the supplier's
      assert.match(JSON.stringify(leg.delivery.outcome), /OAuth2 token fetch failed/, JSON.stringify(leg.delivery));
    }
    assert.equal(sup.received.filter((x) => x.key === key).length, 0, 'nothing sent without a token');
    const dead = await s.api('GET', `/v1/deliveries?state=dead&supplier=${key}`, { key: s.keys.integrator });
    assert.equal(dead.status, 200, dead.text);
    assert.equal(dead.json.items.length, 0, dead.text);

    delete sup.tokenMode[client];
    for (const id of ids) await delivered(s, id, `the create of ${id} after recovery`);
    await dispatchRounds(s);
    for (const id of ids) assert.equal(sup.creates(key, id).length, 1, id);
    assert.equal(sup.fetchesOf(key).filter((f) => f.answered === 200).length, 1);
  });

  test('no secret and no token in the broker\'s log or in any API answer', async () => {
    assert.ok(tickets.length > 0);
    const texts = { log: s.log.text };
    const get = async (p) => {
      const r = await s.api('GET', p, { key: s.keys.integrator });
      assert.equal(r.status, 200, `${p}: ${r.text}`);
      texts[p] = r.text;
      return r.json;
    };
    for (const key of ['basicco', 'bearerco', 'rtco', 'headerco', ...Object.keys(OAUTH)]) {
      const sp = await get(`/v1/suppliers/${key}`);
      assert.ok(sp.auth?.kind, `${key}: ${JSON.stringify(sp)}`); // the auth is there, its secrets not
    }
    await get('/v1/suppliers');
    await get(`/v1/services/${s.services['acme-workplace']}/chain`);
    await get('/v1/deliveries?limit=200');
    for (const id of tickets) await get(`/v1/tickets/${id}`);
    const exp = keten(['chain', 'export'], s.env);
    assert.equal(exp.code, 0, exp.stderr);
    texts.export = exp.stdout + exp.stderr;
    assert.match(texts.export, /oauth2-client-credentials/);
    // the failed fetches were logged, without what they were fetched with
    assert.match(texts.log, /OAuth2 token fetch failed/);

    const forbidden = [...Object.values(SECRETS),
      Buffer.from(`keten:${SECRETS.KETEN_SECRET_AUTHT_BASIC_PW}`).toString('base64'),
      encodeURIComponent(SECRETS.KETEN_SECRET_AUTHT_CLIENT_SECRET), ...sup.issued()];
    assert.ok(sup.issued().length >= 5, `tokens issued: ${sup.issued().length}`);
    for (const [where, text] of Object.entries(texts)) {
      for (const f of forbidden) {
        assert.ok(!text.includes(f), `${where} holds a secret or token (${f.slice(0, 4)}...)`);
      }
    }
  });
});
