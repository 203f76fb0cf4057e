// integrator.test.mjs - the integrator's console in headless Chromium
// against the real broker, PostgreSQL and simulators: the integrator signs
// in with a local account, sees a triage ticket in its queue, watches the
// queue count and list update live when another arrives, opens the
// ticket, routes it by hand to a supplier (her name on its timeline), and
// replays a dead letter that a supplier's 4xx made (steps shared with the
// single sign-on story, tests/browser/lib/console.mjs); a summary with markup shows as text; every page
// passes the accessibility check and leaves a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, keten } from '../system/lib/harness.mjs';
import { launch, openPage, a11y, shot } from './lib/browser.mjs';
import { consoleChain, forgetSignIn, clean as cleanPage, ready as readyIn, triageTicket as fileTriage,
  routeByHand, replayDeadLetter } from './lib/console.mjs';

const EMAIL = 'ina@integrator.example';
const PASSWORD = 'correct horse battery staple 15';

// A local integrator account, made with the CLI, signed in through the
// sign-in page, which sends her on to the console.
async function signIn() {
  const r = keten(['user', 'create', '--role', 'integrator', '--email', EMAIL, '--name', 'Ina Integrator',
    '--password-stdin'], s.env, PASSWORD + '\n');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const p = await openPage(browser, { width: 1100, height: 900 });
  p.on('dialog', (d) => d.accept());
  await p.goto(`${s.url}/signin.html?next=/integrator/`, { waitUntil: 'networkidle0' });
  await p.type('#email', EMAIL);
  await p.type('#password', PASSWORD);
  await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle2' }), p.click('#signin')]);
  assert.equal(new URL(p.url()).pathname, '/integrator/');
  await p.waitForSelector('[data-count="needs_triage"]');
  // Signed out, the sign-in page asked who was signed in (401).
  forgetSignIn(p, s.url);
  return p;
}

let s, browser, page;
before(async () => {
  s = await startStack({ chain: consoleChain, config: { KETEN_DISPATCH_INTERVAL_MS: '100' } });
  browser = await launch();
  page = await signIn();
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

const clean = () => cleanPage(page);
const ready = (selector) => readyIn(page, selector);
const triageTicket = (summary) => fileTriage(s, summary);

const XSS = '<img src=x onerror=alert(1)>';

const count = (queue) => page.$eval(`[data-count="${queue}"]`, (e) => Number(e.textContent));
const rowsText = () => page.$$eval('#kt-list tbody tr', (rows) => rows.map((r) => r.textContent));

test('the queues page lists a triage ticket and updates live when another arrives', async () => {
  const first = await triageTicket(`${XSS} printer on fire`);
  await page.goto(`${s.url}/integrator/`, { waitUntil: 'networkidle2' });
  await ready('#kt-list tbody tr');
  assert.equal(await count('needs_triage'), 1);
  const rows = await rowsText();
  assert.equal(rows.length, 1);
  assert.ok(rows[0].includes(`${XSS} printer on fire`), 'the summary shows as text');
  assert.equal(await page.$('#kt-list img'), null, 'no element made from the summary');
  await a11y(page, 'integrator queues');
  await shot(page, 'integrator-queues');
  clean();

  // Live: a second triage ticket appears without a reload.
  await page.evaluate(() => { window.ktSamePage = true; });
  const second = await triageTicket('second ticket, live');
  await page.waitForFunction(() => document.querySelector('[data-count="needs_triage"]')?.textContent === '2',
    { timeout: 10000 });
  await page.waitForFunction((n) => [...document.querySelectorAll('#kt-list tbody tr')]
    .some((r) => r.textContent.includes(n)), { timeout: 10000 }, second.number);
  assert.equal(await page.evaluate(() => window.ktSamePage), true, 'the page was not reloaded');
  assert.ok(first.id);
});

test('the integrator routes a triage ticket by hand from its page, named on its timeline', async () => {
  await routeByHand(s, page, 'Ina Integrator', 'integrator-ticket');
});

test('a dead letter made by a supplier\'s 4xx is replayed from the dead-letters page', async () => {
  await replayDeadLetter(s, page, 'integrator-dead-letters');
});

test('tickets, supplier health, the chain tree and the report charts pass the check, on a phone too', async () => {
  for (const [name, p, selector] of [
    ['integrator-tickets', '/integrator/tickets.html', '#kt-tickets tbody tr'],
    ['integrator-suppliers', '/integrator/suppliers.html', '#kt-health tbody tr'],
    ['integrator-services', '/integrator/services.html?service=acme-workplace', '.kt-tree .kt-node'],
    ['integrator-reports', '/integrator/reports.html?service=acme-workplace', '.kt-chart canvas'],
  ]) {
    await page.goto(s.url + p, { waitUntil: 'networkidle2' });
    await ready(selector);
    await a11y(page, name);
    await shot(page, name);
  }
  await page.goto(`${s.url}/integrator/services.html?service=acme-workplace`, { waitUntil: 'networkidle2' });
  await ready('.kt-node');
  const nodes = await page.$$eval('.kt-node', (n) => n.map((x) => x.textContent));
  assert.ok(nodes.some((x) => x.includes('VPN') && x.includes('NetCo (netco)')), nodes.join('\n'));
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  for (const [p, selector] of [['/integrator/', '#kt-list tbody tr'],
    ['/integrator/suppliers.html', '#kt-health tbody tr']]) {
    await page.goto(s.url + p, { waitUntil: 'networkidle2' });
    await ready(selector);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(wide, false, `${p} fits a phone's width`);
    await a11y(page, p + ' on a phone');
  }
  await shot(page, 'integrator-suppliers-phone');
  await page.setViewport({ width: 1100, height: 900 });
  clean();
});
