// integrator.test.mjs - the integrator's console in headless Chromium
// against the real broker, PostgreSQL and simulators: the integrator signs
// in with a local account, sees a triage ticket in its queue, watches the
// queue count and list update live when another arrives, opens the
// ticket, routes it by hand to a supplier, and replays a dead letter that
// a supplier's 4xx made; a summary with markup shows as text; every page
// passes the accessibility check and leaves a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, chainDoc, eventually, keten } from '../system/lib/harness.mjs';
import { fileTicket } from '../system/lib/tickets.mjs';
import { launch, openPage, a11y, shot } from './lib/browser.mjs';

// The harness chain plus acme-desk, whose tickets wait in triage.
function chain(sims) {
  const d = chainDoc(sims);
  d.services.push({ key: 'acme-desk', customer: 'acme', name: 'Desk Acme',
    components: [{ key: 'desk', name: 'Desk', kind: 'people', children: [
      { key: 'net', name: 'Network', kind: 'network', supplier: 'netco' }] }] });
  return d;
}

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
  p.problems.failed = p.problems.failed.filter((f) => new URL(f.url).pathname !== '/v1/session');
  return p;
}

let s, browser, page;
before(async () => {
  s = await startStack({ chain, config: { KETEN_DISPATCH_INTERVAL_MS: '100' } });
  browser = await launch();
  page = await signIn();
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

// Nothing went wrong in the page: no uncaught error, no console error, no
// answer >= 400.
function clean() {
  assert.deepEqual(page.problems.errors, []);
  assert.deepEqual(page.problems.console, []);
  assert.deepEqual(page.problems.failed, []);
}

// Waits for selector in the page; on a timeout fails with what the page
// shows and what went wrong in it.
async function ready(selector, timeout = 20000) {
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (e) {
    const text = await page.evaluate(() => document.body.innerText).catch(() => '');
    assert.fail(`${selector} not in ${page.url()}: ${e.message}\n${JSON.stringify(page.problems)}\n${text}`);
  }
}

const XSS = '<img src=x onerror=alert(1)>';

async function triageTicket(summary) {
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme, body: {
    service: s.services['acme-desk'], type: 'incident', summary, description: 'browser test',
    impact: 2, urgency: 2 } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

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

test('the integrator routes a triage ticket by hand from its page', async () => {
  const t = await triageTicket('route me to netco');
  await page.goto(`${s.url}/integrator/`, { waitUntil: 'networkidle2' });
  await ready(`a[href$="${t.id}"]`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle2' }), page.click(`a[href$="${t.id}"]`)]);
  await ready('#kt-route-to');
  await a11y(page, 'integrator ticket');
  await page.select('#kt-route-to', 's:netco');
  await page.type('#kt-route-reason', 'network, clearly');
  // Keyboard: the submit button is reached from the reason by Tab and
  // pressed with Enter.
  await page.focus('#kt-route-reason');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Route');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('kt-say').textContent === 'Routed.',
    { timeout: 10000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#kt-ticket tbody tr')]
    .some((r) => r.textContent.includes('NetCo (netco)')), { timeout: 10000 });
  await shot(page, 'integrator-ticket');
  const v = await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator });
  assert.equal(v.json.needs_triage, false);
  const ev = v.json.timeline.find((e) => e.kind === 'rerouted');
  assert.deepEqual(ev.data.to, ['netco']);
  assert.equal(ev.data.reason, 'network, clearly');
  await eventually(async () => (await s.sims.netco.received())
    .some((x) => x.json?.type === 'leg.create' && x.json.data?.id === t.id), 15000, 'netco got the create');
  clean();
});

test('a dead letter made by a supplier\'s 4xx is replayed from the dead-letters page', async () => {
  await s.sims.hostco.mode({ mode: 'status', status: 422 });
  const t = await fileTicket(s, 'hosting', 'hostco refuses this');
  await eventually(async () => (await s.api('GET', '/v1/queues', { key: s.keys.integrator }))
    .json.queues.dead_letters === 1, 15000, 'the dead letter');
  await s.sims.hostco.mode({ mode: 'normal' });
  await page.goto(`${s.url}/integrator/dead-letters.html`, { waitUntil: 'networkidle2' });
  await ready('button[data-action="replay"]');
  const row = await page.$eval('#kt-dead tbody tr', (r) => r.textContent);
  assert.ok(row.includes(t.number) && row.includes('hostco') && row.includes('422'), row);
  await a11y(page, 'integrator dead letters');
  await shot(page, 'integrator-dead-letters');
  await page.click('button[data-action="replay"]');
  await page.waitForFunction(() => document.getElementById('kt-say').textContent.startsWith('Replayed'),
    { timeout: 10000 });
  await eventually(async () => (await s.api('GET', `/v1/tickets/${t.id}`, { key: s.keys.integrator }))
    .json.legs[0].external_id, 15000, 'the replayed create delivered');
  await page.waitForFunction(() => !document.querySelector('#kt-dead tbody'), { timeout: 10000 });
  clean();
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
