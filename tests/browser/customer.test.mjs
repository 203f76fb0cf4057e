// customer.test.mjs - the customer's pages in Chromium against the real
// broker, PostgreSQL and supplier simulators: a customer signs in,
// reports an incident (the priority shown before sending is the API's),
// watches the supplier resolve it live, reopens it with a reason, sees it
// resolved again and confirms it (closed); another customer opening the
// same link gets "not found" and nothing of it; a summary of
// <img src=x onerror=alert(1)> shows as text and runs nothing; a
// state-changing call without the CSRF token is refused; every page
// passes the accessibility check and leaves a screenshot.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, eventually, keten, chainDoc } from '../system/lib/harness.mjs';
import { launch, openPage, a11y, shot } from './lib/browser.mjs';

const EVIL = '<img src=x onerror=alert(1)>';

// The test chain with a round-the-clock SLA on acme-workplace, so that its
// tickets have clocks with due times.
function slaChain(sims) {
  const doc = chainDoc(sims);
  doc.services[0].sla = { service_hours: '24x7',
    targets: { p2: { response_min: 60, resolution_min: 480 } } };
  return doc;
}
const PASSWORD = 'correct horse battery staple 7';

// A person of customer `customer` who can sign in with PASSWORD.
function person(s, customer, email) {
  const r = keten(['user', 'create', '--role', 'customer', '--customer', customer,
    '--email', email, '--name', `${customer} person`, '--password-stdin'], s.env, `${PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

// Signs in through the sign-in page; resolves when the customer's start
// page shows its services.
async function signIn(s, page, email, password = PASSWORD) {
  await page.goto(`${s.url}/signin.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.title.startsWith('Sign in'));
  await page.type('#email', email);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('#signin')]);
}

// Marks the page's document; the mark survives as long as the page was
// not loaded again.
const mark = (page) => page.evaluate(() => { window.__kept = 1; });
const kept = (page) => page.evaluate(() => window.__kept === 1);
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());

describe('customer pages', () => {
  let s;
  let browser;
  let page;
  let ticket;
  before(async () => {
    s = await startStack({ chain: slaChain });
    person(s, 'acme', 'ana@acme.example');
    person(s, 'globex', 'gus@globex.example');
    browser = await launch();
    page = await openPage(browser);
    // Any alert() would be recorded here (and dismissed).
    page.on('dialog', (d) => { page.problems.errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  });
  after(async () => {
    await page?.closeAll();
    await browser?.close();
    await s?.stop();
  });

  // The supplier simulators resolve every leg of ticket id.
  const supplierResolves = async (id) => {
    const legs = await eventually(async () => {
      const all = [...await s.sims.netco.tickets(), ...await s.sims.hostco.tickets()];
      const mine = all.filter((x) => x.keten_ticket === id);
      return mine.length > 0 && mine;
    }, 20000, 'delivered to the supplier');
    for (const leg of legs) {
      const sim = s.sims[leg.id.startsWith('SIM-netco') ? 'netco' : 'hostco'];
      await sim.send({ leg_id: leg.leg_id, external_id: leg.id, status: 'resolved' });
    }
  };

  test('a wrong password is announced, and nothing else happens', async () => {
    await page.goto(`${s.url}/signin.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.title.startsWith('Sign in'));
    await page.type('#email', 'ana@acme.example');
    await page.type('#password', 'not the password');
    await page.click('#signin');
    await page.waitForSelector('#signin-error:not([hidden])');
    assert.equal(await page.$eval('#signin-error', (e) => e.getAttribute('role')), 'alert');
    assert.match(await text(page, '#signin-error'), /not right/);
    assert.equal(new URL(page.url()).pathname, '/signin.html');
    await a11y(page, 'sign-in with an error');
    await shot(page, 'customer-signin-error');
  });

  test('the customer signs in and sees its services with their health', async () => {
    await signIn(s, page, 'ana@acme.example');
    assert.equal(new URL(page.url()).pathname, '/customer/');
    await page.waitForSelector('#services[aria-busy="false"] .card');
    const cards = await page.$$eval('#services .card h2', (h) => h.map((x) => x.textContent));
    assert.deepEqual(cards, ['Workplace Acme'], 'only its own services');
    assert.match(await text(page, '#services .card'), /Operational/);
    await a11y(page, 'services');
    await shot(page, 'customer-services');
  });

  test('reports an incident: the priority shown first is the API\'s', async () => {
    await page.goto(`${s.url}/customer/report.html`, { waitUntil: 'load' });
    await page.waitForSelector('#impact-1');
    const matrix = (await s.api('GET', '/v1/priorities', { key: s.keys.acme })).json.matrix;
    for (const [impact, urgency] of [[1, 1], [3, 3], [2, 3], [1, 2]]) {
      await page.click(`#impact-${impact}`);
      await page.click(`#urgency-${urgency}`);
      const want = matrix.find((m) => m.impact === impact && m.urgency === urgency).priority;
      assert.match(await text(page, '#priority'), new RegExp(`^${want} `), `${impact}/${urgency}`);
    }
    await page.type('#summary', EVIL);
    await page.type('#description', 'the VPN drops every few minutes');
    await a11y(page, 'report');
    await shot(page, 'customer-report');
    await Promise.all([page.waitForNavigation(), page.click('#send')]);
    const id = new URL(page.url()).searchParams.get('id');
    ticket = (await s.api('GET', `/v1/tickets/${id}`, { key: s.keys.acme })).json;
    assert.equal(ticket.summary, EVIL);
    assert.equal(ticket.priority, 2, 'impact 1, urgency 2');
    await page.waitForSelector('#ticket:not([hidden])');
    assert.equal(await text(page, '#summary'), EVIL, 'shown as the characters it is');
    assert.equal(await page.$$eval('img', (x) => x.length), 0);
    assert.equal(ticket.sla.response.target_min, 60);
    assert.ok(!(await page.$eval('#sla-section', (e) => e.hidden)), 'the SLA clocks are shown');
    const due = await text(page, '#sla');
    assert.match(due, /Response\s*due by /);
    assert.match(due, /Solution\s*due by /);
    const shown = await page.evaluate((at) => new Date(at).toLocaleString(undefined,
      { dateStyle: 'medium', timeStyle: 'short' }), ticket.sla.resolution.due_at);
    assert.ok(due.includes(shown), `${due} has ${shown}`);
  });

  test('the ticket goes to resolved live, is reopened with a reason, then confirmed', async () => {
    await page.waitForFunction(() => /Live updates on/.test(document.querySelector('#live').textContent),
      { timeout: 10000 });
    await mark(page);
    await supplierResolves(ticket.id);
    await page.waitForSelector('#resolution:not([hidden])', { timeout: 15000 });
    assert.ok(await kept(page), 'updated without a reload');
    assert.match(await text(page, '#status-line'), /Resolved/);
    await a11y(page, 'resolved ticket');
    await shot(page, 'customer-ticket-resolved');

    await page.type('#reason', 'still dropping at the Utrecht office');
    await page.click('#reopen-form button[type="submit"]');
    await page.waitForSelector('#resolution[hidden]');
    await page.waitForFunction(() => [...document.querySelectorAll('#timeline .text')]
      .some((e) => e.textContent === 'still dropping at the Utrecht office'));
    assert.notEqual((await s.api('GET', `/v1/tickets/${ticket.id}`, { key: s.keys.acme })).json.status, 'resolved');

    await page.type('#comment', 'thanks, waiting for news');
    await page.click('#comment-form button[type="submit"]');
    await page.waitForFunction(() => [...document.querySelectorAll('#timeline .text')]
      .some((e) => e.textContent === 'thanks, waiting for news'));

    await supplierResolves(ticket.id);
    await page.waitForSelector('#resolution:not([hidden])', { timeout: 15000 });
    await page.click('#confirm');
    await page.waitForFunction(() => /Closed/.test(document.querySelector('#status-line').textContent));
    assert.ok(await kept(page));
    assert.equal((await s.api('GET', `/v1/tickets/${ticket.id}`, { key: s.keys.acme })).json.status, 'closed');
    assert.ok(await page.$eval('#comment-section', (e) => e.hidden), 'a closed ticket takes no comments');
    assert.deepEqual(page.problems.errors, []);
    assert.deepEqual(page.problems.console, []);
    await a11y(page, 'closed ticket');
    await shot(page, 'customer-ticket');
  });

  test('the tickets page finds it by search and filters, shown as text', async () => {
    await page.goto(`${s.url}/customer/tickets.html`, { waitUntil: 'load' });
    await page.waitForSelector('#tickets tbody tr');
    await page.type('#q', ticket.number.toLowerCase());
    await page.select('#status', 'closed');
    await page.select('#type', 'incident');
    await page.select('#service', ticket.service.id);
    await page.click('#filters button[type="submit"]');
    await page.waitForFunction(() => /1 ticket shown/.test(document.querySelector('#count').textContent));
    assert.equal(await text(page, '#tickets tbody td:nth-child(2)'), EVIL);
    assert.equal(await page.$$eval('img', (x) => x.length), 0);
    assert.match(page.url(), /status=closed/, 'the filters are in the address');
    await page.select('#status', 'new');
    await page.click('#filters button[type="submit"]');
    await page.waitForFunction(() => /No tickets/.test(document.querySelector('#count').textContent));
    await page.select('#status', 'closed');
    await page.click('#filters button[type="submit"]');
    await page.waitForSelector('#tickets tbody tr');
    await a11y(page, 'tickets');
    await shot(page, 'customer-tickets');
    assert.deepEqual(page.problems.errors, []);
  });

  test('a state-changing call without the CSRF token is refused', async () => {
    const r = await page.evaluate(async (id) => {
      const res = await fetch(`/v1/tickets/${id}/comments`, { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'forged' }) });
      return { status: res.status, body: await res.json() };
    }, ticket.id);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    const tl = await s.api('GET', `/v1/tickets/${ticket.id}/timeline?limit=200`, { key: s.keys.acme });
    assert.ok(!tl.json.items.some((e) => e.text === 'forged'), 'nothing recorded');
  });

  test('another customer gets "not found" for the same link, and nothing of it', async () => {
    const other = await openPage(browser);
    await signIn(s, other, 'gus@globex.example');
    await other.goto(`${s.url}/customer/ticket.html?id=${ticket.id}`, { waitUntil: 'load' });
    await other.waitForSelector('#notfound:not([hidden])');
    assert.equal(await text(other, '#notfound h1'), 'Ticket not found');
    const body = await other.$eval('body', (b) => b.textContent);
    assert.ok(!body.includes(ticket.number) && !body.includes('onerror'), body);
    await other.goto(`${s.url}/customer/tickets.html`, { waitUntil: 'load' });
    await other.waitForFunction(() => document.querySelector('#count')?.textContent);
    assert.ok(!(await other.$eval('body', (b) => b.textContent)).includes(ticket.number));
    await other.goto(`${s.url}/customer/ticket.html?id=not-a-ticket`, { waitUntil: 'load' });
    await other.waitForSelector('#notfound:not([hidden])');
    await a11y(other, 'ticket not found');
    await shot(other, 'customer-ticket-not-found');
    await other.closeAll();
  });

  test('the pages are readable on a phone', async () => {
    const phone = await openPage(browser, { width: 375, height: 740 });
    await signIn(s, phone, 'ana@acme.example');
    await phone.goto(`${s.url}/customer/ticket.html?id=${ticket.id}`, { waitUntil: 'load' });
    await phone.waitForSelector('#ticket:not([hidden])');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 375, `no sideways scrolling (${wide}px)`);
    await a11y(phone, 'ticket on a phone');
    await shot(phone, 'customer-ticket-phone');
    await phone.closeAll();
  });
});
