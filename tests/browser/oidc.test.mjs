// oidc.test.mjs - single sign-on in Chromium (issue 15): an integrator
// follows the sign-in page's "Sign in with single sign-on" link (shown
// because GET /v1/session/methods says it is on), signs in at the real OpenID Connect provider (npm
// oidc-provider on loopback, its login and consent forms, filled in the
// browser) and lands on the integrator console with an integrator's
// session cookie, where she routes a triage ticket by hand (her name on
// its timeline) and replays a dead letter (the steps of
// tests/browser/lib/console.mjs, shared with integrator.test.mjs); a person whose claims map to no role sees the refusal
// page, which passes the accessibility check. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../system/lib/harness.mjs';
import { startIdp, oidcConfig, freePort } from '../system/lib/oidc-idp.mjs';
import { launch, openPage, a11y, shot } from './lib/browser.mjs';
import { consoleChain, forgetSignIn, routeByHand, replayDeadLetter } from './lib/console.mjs';

let s;
let idp;
let browser;
let alice;   // the page where alice signed in through single sign-on

before(async () => {
  const port = await freePort();
  idp = await startIdp({ redirectUri: `https://127.0.0.1:${port}/v1/oidc/callback` });
  s = await startStack({ listen: `127.0.0.1:${port}`, chain: consoleChain,
    config: { ...oidcConfig(idp, port), KETEN_DISPATCH_INTERVAL_MS: '100' } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await s?.stop();
  await idp?.stop();
});

// Opens the sign-in page for next, follows its single sign-on link and
// fills the provider's forms as person.
async function signInAt(page, person, next, name) {
  await page.goto(`${s.url}/signin.html?next=${encodeURIComponent(next)}`,
    { waitUntil: 'networkidle0' });
  const link = await page.waitForSelector('#sso-link:not([hidden])');
  assert.equal(await link.evaluate((a) => a.textContent), 'Sign in with single sign-on (Example SSO)');
  if (name) {
    await a11y(page, 'sign-in page with single sign-on');
    await shot(page, name);
  }
  await Promise.all([page.waitForNavigation(), link.click()]);
  assert.equal(new URL(page.url()).origin, idp.issuer, 'at the provider');
  await page.type('input[name="login"]', person);
  await page.type('input[name="password"]', 'any');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  // The provider asks for consent (once per person and client).
  if (new URL(page.url()).origin === idp.issuer) {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}

test('an integrator signs in through OIDC and lands on the integrator console', async () => {
  const page = await openPage(browser, { width: 1100, height: 900 });
  alice = page;
  await signInAt(page, 'alice', '/integrator/', 'oidc-signin-page');
  assert.equal(page.url(), `${s.url}/integrator/`);
  const cookies = await page.cookies(s.url);
  const cookie = cookies.find((c) => c.name === 'keten_session');
  assert.ok(cookie, 'the session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.sameSite, 'Strict');
  const me = await page.evaluate(async () => (await fetch('/v1/session',
    { credentials: 'same-origin' })).json());
  assert.equal(me.principal.role, 'integrator');
  assert.equal(me.person.email, 'alice@example.test');
  assert.deepEqual(page.problems.errors, []);
  await shot(page, 'oidc-integrator-console');
  // What the sign-in page and the provider's pages answered >= 400.
  forgetSignIn(page, s.url);
});

test('signed in through OIDC, she routes a triage ticket by hand, named on its timeline', async () => {
  assert.ok(alice, 'signed in');
  await routeByHand(s, alice, 'Alice Integrator', 'oidc-integrator-ticket');
});

test('signed in through OIDC, she replays a dead letter from the dead-letters page', async () => {
  assert.ok(alice, 'signed in');
  await replayDeadLetter(s, alice);
});

test('a person whose claims map to no role sees a refusal page, and no session', async () => {
  const page = await openPage(browser);
  await signInAt(page, 'carol', '/');
  assert.match(new URL(page.url()).pathname, /^\/v1\/oidc\/callback$/);
  assert.match(await page.$eval('main', (m) => m.textContent), /not given a role in\s+Keten/);
  assert.equal((await page.cookies(s.url)).some((c) => c.name === 'keten_session'), false);
  assert.deepEqual(page.problems.errors, []);
  await a11y(page, 'single sign-on refusal page');
  await shot(page, 'oidc-refused');
  await page.closeAll();
});
