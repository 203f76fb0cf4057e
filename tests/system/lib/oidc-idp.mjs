// oidc-idp.mjs - a real OpenID Connect provider for the tests: the npm
// `oidc-provider` (pinned in tests/node_modules) over HTTPS on loopback
// with the test certificates, one registered client (client_secret_basic,
// PKCE required, ID tokens signed ES256 unless told otherwise), a few
// people whose claims map to Keten roles, and its development login form.
// signIn() drives a sign-in the way a browser would, with node's HTTPS
// requests and a cookie jar: the broker's /v1/oidc/login, the provider's
// login and consent forms, back to the broker's callback.
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { certs, request } from './harness.mjs';

// People of the provider: sub -> claims beyond sub.
export const PEOPLE = {
  alice: { email: 'alice@example.test', name: 'Alice Integrator', groups: ['keten-integrators'] },
  bob: { email: 'bob@example.test', name: 'Bob Customer', groups: ['keten-customers'],
    keten_customer: 'acme' },
  carol: { email: 'carol@example.test', name: 'Carol Nobody', groups: ['staff'] },
  dave: { email: 'dave@example.test', name: 'Dave', groups: ['keten-customers'],
    keten_customer: 'no-such-customer' },
  erin: { email: 'erin@example.test', name: 'Erin', groups: ['keten-integrators'] },
  frank: { name: 'Frank No Email', groups: ['keten-integrators'] },
};

// A free loopback port, for a server whose own URL must be known first.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Fresh keys; kid names the generation, so that a rotation is a kid the
// broker has not seen.
let generation = 0;
function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  generation += 1;
  return [{ ...rsa, kid: `rsa-${generation}`, use: 'sig', alg: 'RS256' },
    { ...ec, kid: `ec-${generation}`, use: 'sig', alg: 'ES256' }];
}

// Starts the provider for a broker whose callback is redirectUri, with new
// signing keys (RS256 kid rsa-1, ES256 kid ec-1; the client's ID tokens
// signed with alg); port and clientSecret start it again as the same
// provider with other keys. The returned object has issuer, clientId,
// clientSecret, stop().
export async function startIdp({ redirectUri, alg = 'ES256', port = 0,
  clientSecret = randomBytes(24).toString('hex') }) {
  const server = https.createServer({ cert: readFileSync(certs().cert), key: readFileSync(certs().key) });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const issuer = `https://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'keten', client_secret: clientSecret, redirect_uris: [redirectUri],
      response_types: ['code'], grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: alg }],
    jwks: { keys: signingKeys() },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'],
      keten: ['groups', 'keten_customer'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    findAccount: async (ctx, sub) => (PEOPLE[sub] ? {
      accountId: sub, claims: async () => ({ sub, ...PEOPLE[sub] }),
    } : undefined),
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  provider.on('grant.error', (ctx, err) => console.error('oidc-provider grant:', err.message, err.error_description));
  server.on('request', provider.callback());
  return {
    issuer, clientId: 'keten', clientSecret, provider,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// The broker settings (as environment) of a provider idp for a broker on
// port.
export function oidcConfig(idp, port) {
  return {
    KETEN_OIDC_ISSUER: idp.issuer, KETEN_OIDC_CLIENT_ID: idp.clientId,
    KETEN_OIDC_CLIENT_SECRET_REF: 'env:KETEN_SECRET_OIDC', KETEN_SECRET_OIDC: idp.clientSecret,
    KETEN_OIDC_REDIRECT_URI: `https://127.0.0.1:${port}/v1/oidc/callback`,
    KETEN_OIDC_SCOPES: 'openid email profile keten',
    KETEN_OIDC_INTEGRATOR_VALUES: 'keten-integrators', KETEN_OIDC_CUSTOMER_VALUES: 'keten-customers',
    KETEN_OIDC_CA_FILE: certs().ca, KETEN_OIDC_ALLOW_ADDRESSES: 'loopback',
    KETEN_OIDC_LABEL: 'Example SSO',
  };
}

// A cookie jar per origin, enough for the provider's and the broker's
// cookies (name=value, Path ignored: every path of a test origin).
class Jar {
  constructor() { this.byOrigin = new Map(); }
  take(origin, setCookie = []) {
    const jar = this.byOrigin.get(origin) || new Map();
    for (const line of [].concat(setCookie)) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    this.byOrigin.set(origin, jar);
  }
  header(origin) {
    const jar = this.byOrigin.get(origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>');

// The first form of an HTML page: its action and its inputs' values.
function readForm(html) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields = {};
  for (const m of form[2].matchAll(/<input([^>]*)>/gi)) {
    const name = /name="([^"]*)"/.exec(m[1]);
    const value = /value="([^"]*)"/.exec(m[1]);
    if (name) fields[decode(name[1])] = value ? decode(value[1]) : '';
  }
  return { action: decode(form[1]), fields };
}

// Signs `person` in at the broker (url) through the provider, starting at
// /v1/oidc/login?next=... Follows redirects and fills the provider's login
// (login = the person's sub) and consent forms. Resolves to
// {status, headers, text, cookie (the broker's cookies, as a Cookie
// header), location (the broker's last Location), callbackUrl (the
// callback the provider sent the browser to)}.
export async function signIn(url, person, { next = '/', jar = new Jar(), stopAtCallback } = {}) {
  let target = new URL(`/v1/oidc/login?next=${encodeURIComponent(next)}`, url);
  let method = 'GET';
  let body;
  let callbackUrl;
  for (let hop = 0; hop < 20; hop++) {
    if (target.pathname === '/v1/oidc/callback') {
      callbackUrl = target.href;
      if (stopAtCallback) return { callbackUrl, jar };
    }
    const headers = { cookie: jar.header(target.origin) };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const r = await request(target.origin, method, target.pathname + target.search,
      { raw: body, headers });
    jar.take(target.origin, r.headers['set-cookie']);
    if (r.status >= 300 && r.status < 400 && r.headers.location) {
      const nextUrl = new URL(r.headers.location, target);
      if (nextUrl.origin === new URL(url).origin && target.origin === new URL(url).origin &&
          !nextUrl.pathname.startsWith('/v1/oidc/')) {
        return { ...r, cookie: jar.header(target.origin), location: r.headers.location,
          callbackUrl, jar };
      }
      target = nextUrl;
      method = 'GET';
      body = undefined;
      continue;
    }
    const form = r.status === 200 && target.origin !== new URL(url).origin ? readForm(r.text) : null;
    if (!form) return { ...r, cookie: jar.header(new URL(url).origin), callbackUrl, jar };
    if ('login' in form.fields) {
      form.fields.login = person;
      form.fields.password = 'any';
    }
    target = new URL(form.action, target);
    method = 'POST';
    body = new URLSearchParams(form.fields).toString();
  }
  throw new Error('too many redirects');
}
