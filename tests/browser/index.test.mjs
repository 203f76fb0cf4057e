// index.test.mjs - the portal's shared front end in Chromium: the start
// page loads its scripts, styles and texts with no error and sends a
// signed-out visitor to sign in; an inline script injected at run time is
// blocked by the CSP (and reported); the layout frame renders user text
// as text and passes the accessibility check; screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../system/lib/harness.mjs';
import { launch, openPage, a11y, shot, tryInlineScript } from './lib/browser.mjs';

let s;
let browser;
before(async () => {
  s = await startStack();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

test('the start page loads with no error and sends a signed-out visitor to sign in', async () => {
  const page = await openPage(browser);
  // Hold the page on / so that it can be checked: the redirect it makes is
  // observed and answered 204 (a navigation answered 204 leaves the page).
  await page.setRequestInterception(true);
  let next = null;
  page.on('request', (req) => {
    if (req.isNavigationRequest() && new URL(req.url()).pathname !== '/') {
      next = new URL(req.url()).pathname;
      req.respond({ status: 204 });
    } else {
      req.continue();
    }
  });
  const doc = page.waitForResponse((r) => new URL(r.url()).pathname === '/');
  await page.goto(`${s.url}/`, { waitUntil: 'load' }).catch(() => null);
  const res = await doc;
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  for (let i = 0; i < 200 && !next; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(next, '/signin.html');
  assert.deepEqual(page.problems.errors, []);
  assert.deepEqual(page.problems.console, []);
  // The only answer >= 400 may be GET /v1/session of nobody.
  assert.deepEqual(page.problems.failed.filter((f) => new URL(f.url).pathname !== '/v1/session'), []);
  assert.equal(await page.title(), 'Keten');
  await a11y(page, 'start page');
  await shot(page, 'index');
  await page.closeAll();
});

test('an inline script inserted at run time is blocked by the CSP', async () => {
  const page = await openPage(browser);
  const res = await page.goto(`${s.url}/no-such-page`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 404);
  const r = await tryInlineScript(page);
  assert.equal(r.ran, false);
  assert.ok(r.violation, 'a securitypolicyviolation event');
  assert.match(r.violation.directive, /^script-src/);
  // A control: the page's own module scripts ran (its texts were filled).
  await page.waitForFunction(() => document.title.startsWith('Not found'));
  assert.deepEqual(page.problems.errors, []);
  await a11y(page, 'not found page');
  await shot(page, 'not-found');
  await page.closeAll();
});

test('the layout frame renders user text as text and is accessible on a phone', async () => {
  const page = await openPage(browser, { width: 375, height: 740 });
  await page.goto(`${s.url}/404.html`, { waitUntil: 'networkidle0' });
  const evil = '<img src=x onerror="window.__pwned=1">';
  const out = await page.evaluate(async (name) => {
    const i18n = await import('/js/i18n.js');
    const { frame } = await import('/js/layout.js');
    const { el } = await import('/js/dom.js');
    await i18n.load();
    const main = frame({ person: { name, email: 'a@example.com' }, principal: { role: 'customer' } },
      'customer', 'tickets');
    main.append(el('h1', {}, 'Tickets'), el('p', {}, name));
    return {
      imgs: document.querySelectorAll('img').length,
      who: document.querySelector('header .who').textContent,
      current: document.querySelector('[aria-current="page"]').getAttribute('href'),
      skip: document.querySelector('a.skip').getAttribute('href'),
    };
  }, evil);
  assert.equal(out.imgs, 0);
  assert.ok(out.who.includes(evil), out.who);
  assert.equal(out.current, '/customer/tickets.html');
  assert.equal(out.skip, '#main');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(page.problems.errors, []);
  await a11y(page, 'layout frame');
  await shot(page, 'layout-phone');
  await page.closeAll();
});

test('live.js hears a ticket change through the stream, within the page\'s CSP', async () => {
  const page = await openPage(browser);
  // No sessions here: the customer's key rides on every request of the page.
  await page.setExtraHTTPHeaders({ Authorization: `Bearer ${s.keys.acme}` });
  await page.goto(`${s.url}/404.html`, { waitUntil: 'networkidle0' });
  await page.evaluate(async () => {
    const { connect } = await import('/js/live.js');
    window.__heard = [];
    window.__live = connect({
      status: (on) => { window.__liveOn = on; },
      ticket: (d) => window.__heard.push(d),
    });
  });
  await page.waitForFunction(() => window.__liveOn === true, { timeout: 15000 });
  const r = await s.api('POST', '/v1/tickets', { key: s.keys.acme,
    body: { service: s.services['acme-workplace'], type: 'incident', summary: 'heard live',
      description: 'browser test', impact: 2, urgency: 2, component: 'vpn' } });
  assert.equal(r.status, 201, r.text);
  await page.waitForFunction((id) => window.__heard.some((d) => d.id === id), { timeout: 15000 }, r.json.id);
  assert.deepEqual(page.problems.errors, []);
  assert.deepEqual(page.problems.console, []);
  await page.evaluate(() => window.__live.close());
  await page.closeAll();
});
