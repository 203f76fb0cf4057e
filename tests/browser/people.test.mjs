// people.test.mjs - the integrator's People page and the password page in
// headless Chromium against the real broker and PostgreSQL: the integrator
// invites a customer's person and copies the one-time link; the person
// opens it in a browser of their own, sets a password and lands signed in
// on the customer pages; the used link fails the second time with a clear
// message; a reset link works and the old password no longer does; a
// disabled person cannot sign in; when signing in after setting the
// password is refused (the throttle), the sign-in page says the password
// is set; each page passes the accessibility
// check and leaves a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, keten } from '../system/lib/harness.mjs';
import { launch, openPage, a11y, shot } from './lib/browser.mjs';

const ADMIN = 'ina@integrator.example';
const ADMIN_PASSWORD = 'correct horse battery staple 15';
const EMAIL = 'paula@acme.example';
const FIRST = 'first pass phrase of paula';
const SECOND = 'second pass phrase of paula';

let s, browser, admin;
const dialogs = [];

const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());

// Signs in through the sign-in page in page; resolves with the path the
// page went on to, or null when it stayed (the error is then shown).
async function signIn(page, email, password, next = '') {
  await page.goto(`${s.url}/signin.html${next}`, { waitUntil: 'networkidle0' });
  await page.type('#email', email);
  await page.type('#password', password);
  const went = page.waitForNavigation({ waitUntil: 'networkidle2', timeout: 15000 }).then(() => true, () => false);
  await page.click('#signin');
  const error = page.waitForSelector('#signin-error:not([hidden])', { timeout: 15000 }).then(() => false, () => false);
  return (await Promise.race([went, error])) ? new URL(page.url()).pathname : null;
}

// Opens link in a fresh browser context (no cookie of anyone) and submits
// password twice; resolves with the page (still open).
async function openLink(link, password, again = password) {
  const p = await openPage(browser, { width: 800, height: 900 });
  await p.goto(link, { waitUntil: 'networkidle0' });
  await p.waitForFunction(() => document.title.startsWith('Set your password'));
  await p.type('#password', password);
  await p.type('#again', again);
  return p;
}

// The integrator's People page; clicks the button of selector and waits
// for the one-time link it shows; resolves with the link.
async function linkFrom(selector) {
  await admin.$eval('#kt-link', (e) => { e.textContent = ''; });
  await admin.click(selector);
  await admin.waitForSelector('#kt-link-url');
  return admin.$eval('#kt-link-url', (e) => e.value);
}

before(async () => {
  s = await startStack();
  const r = keten(['user', 'create', '--role', 'integrator', '--email', ADMIN, '--name', 'Ina Integrator',
    '--password-stdin'], s.env, ADMIN_PASSWORD + '\n');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  browser = await launch();
  admin = await openPage(browser, { width: 1100, height: 900 });
  admin.on('dialog', (d) => { dialogs.push(d.message()); d.accept(); });
  assert.equal(await signIn(admin, ADMIN, ADMIN_PASSWORD, '?next=/integrator/people.html'),
    '/integrator/people.html');
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

let invite;
test('the integrator invites a customer person and gets a one-time link to copy', async () => {
  await admin.waitForSelector('#kt-people table');
  assert.equal(await admin.$eval('nav a[aria-current="page"]', (a) => a.textContent), 'People');
  await admin.type('#kt-email', EMAIL);
  await admin.type('#kt-name', 'Paula Acme');
  await admin.select('#kt-role', 'customer');
  await admin.type('#kt-customer', 'acme');
  invite = await linkFrom('#kt-invite-send');
  assert.match(invite, new RegExp(`^${s.url}/password\\.html#token=\\S+$`));
  await admin.waitForFunction((email) => [...document.querySelectorAll('#kt-people tr')]
    .some((tr) => tr.textContent.includes(email) && tr.textContent.includes('invited')), {}, EMAIL);
  assert.match(await text(admin, '#kt-say'), /Paula Acme is invited/);
  await a11y(admin, 'people page');
  await shot(admin, 'people');
  // A bad invite is refused with the API's reason, announced.
  await admin.type('#kt-email', 'someone@acme.example');
  await admin.type('#kt-name', 'No Customer');
  await admin.click('#kt-invite-send');
  await admin.waitForSelector('#kt-say[role="alert"]');
  assert.match(await text(admin, '#kt-say'), /customer/);
  assert.deepEqual(admin.problems.errors, []);
  assert.deepEqual(admin.problems.console, []);
});

test('the invited person sets a password through the link and is signed in', async () => {
  const p = await openLink(invite, 'too short', 'too short');
  assert.equal(await p.evaluate(() => location.hash), '', 'the token leaves the address bar');
  await p.click('#set-password');
  await p.waitForSelector('#password-error:not([hidden])');
  assert.equal(await p.$eval('#password-error', (e) => e.getAttribute('role')), 'alert');
  assert.match(await text(p, '#password-error'), /at least 12 characters/);
  assert.match(await text(p, '#password-rule'), /At least 12 characters/);
  await p.type('#password', FIRST);
  await p.type('#again', FIRST + ' typo');
  await p.click('#set-password');
  await p.waitForFunction(() => /not the same/.test(document.querySelector('#password-error').textContent));
  await a11y(p, 'password page with an error');
  await shot(p, 'password-error');
  await p.type('#password', FIRST);
  await p.type('#again', FIRST);
  await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle2' }), p.click('#set-password')]);
  assert.equal(new URL(p.url()).pathname, '/customer/');
  const who = await p.evaluate(() => fetch('/v1/session').then((r) => r.json()));
  assert.equal(who.person.email, EMAIL);
  assert.equal(who.principal.role, 'customer');
  assert.deepEqual(p.problems.errors, []);
  assert.deepEqual(p.problems.failed, []);
  await p.closeAll();
});

test('a used link fails the second time with a clear message', async () => {
  const p = await openLink(invite, 'another long pass phrase');
  await p.click('#set-password');
  await p.waitForSelector('#password-error:not([hidden])');
  assert.equal(await p.$eval('#password-error', (e) => e.getAttribute('role')), 'alert');
  assert.match(await text(p, '#password-error'), /used or has expired/);
  assert.equal(new URL(p.url()).pathname, '/password.html');
  await a11y(p, 'password page, link used');
  await shot(p, 'password-used');
  await p.closeAll();
  const q = await openPage(browser);
  assert.equal(await signIn(q, EMAIL, FIRST), '/customer/', 'the password of the first use stands');
  await q.closeAll();
});

test('a reset link works and the old password no longer does', async () => {
  await admin.reload({ waitUntil: 'networkidle0' });
  await admin.waitForFunction((email) => [...document.querySelectorAll('#kt-people tr')]
    .some((tr) => tr.textContent.includes(email) && tr.textContent.includes('active')), {}, EMAIL);
  const reset = await linkFrom(`[data-reset="${EMAIL}"]`);
  assert.match(reset, /\/password\.html#token=/);
  assert.notEqual(reset, invite);
  await a11y(admin, 'people page with a reset link');
  const p = await openLink(reset, SECOND);
  await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle2' }), p.click('#set-password')]);
  assert.equal(new URL(p.url()).pathname, '/customer/');
  await p.closeAll();
  const q = await openPage(browser);
  assert.equal(await signIn(q, EMAIL, FIRST), null, 'the old password is refused');
  assert.match(await text(q, '#signin-error'), /not right/);
  assert.equal(await signIn(q, EMAIL, SECOND), '/customer/');
  await q.closeAll();
});

test('when signing in after the password is refused, the sign-in page says it is set', async () => {
  const email = 'quinn@acme.example';
  const r = keten(['user', 'invite', '--email', email, '--name', 'Quinn Acme', '--role', 'customer',
    '--customer', 'acme'], s.env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const path = r.stdout.trim().split('\n').pop();
  assert.match(path, /^\/password\.html#token=/);
  // Past the throttle's limit for this email, even the right password gets 429.
  let last;
  for (let i = 0; i < 6; i++) {
    last = await s.api('POST', '/v1/session', { body: { email, password: 'not the password at all' } });
  }
  assert.equal(last.status, 429);
  const p = await openLink(s.url + path, FIRST);
  await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle2' }), p.click('#set-password')]);
  assert.equal(new URL(p.url()).pathname, '/signin.html');
  await p.waitForSelector('#signin-note:not([hidden])');
  assert.equal(await p.$eval('#signin-note', (e) => e.getAttribute('role')), 'status');
  assert.match(await text(p, '#signin-note'), /password is set/);
  await a11y(p, 'sign-in page after a password was set');
  await shot(p, 'signin-password-set');
  await p.closeAll();
});

test('a disabled person cannot sign in', async () => {
  await admin.click(`[data-disable="${EMAIL}"]`);
  await admin.waitForFunction((email) => [...document.querySelectorAll('#kt-people tr')]
    .some((tr) => tr.textContent.includes(email) && tr.textContent.includes('disabled')), {}, EMAIL);
  assert.equal(dialogs.length, 1, 'asked for a confirmation first');
  assert.match(dialogs[0], /Disable Paula Acme/);
  assert.equal(await admin.$(`[data-disable="${EMAIL}"]`), null);
  await a11y(admin, 'people page with a disabled person');
  await shot(admin, 'people-disabled');
  const q = await openPage(browser);
  assert.equal(await signIn(q, EMAIL, SECOND), null);
  await q.closeAll();
});
