// browser.mjs - what a browser test needs beside tests/system/lib: Debian's
// Chromium launched through puppeteer-core (headless, no sandbox as root,
// the harness's own CA accepted), a page that records its errors, the
// axe-core accessibility check run inside the page, and screenshots under
// build/test-output/browser/.
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const require = createRequire(path.join(ROOT, 'tests/package.json'));
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SHOTS = path.join(ROOT, 'build/test-output/browser');

export async function launch() {
  return puppeteer.launch({
    executablePath: process.env.KETEN_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // The broker's certificate is made by deploy/certs.sh for the run.
    args: ['--no-sandbox', '--headless=new', '--ignore-certificate-errors',
      '--disable-gpu', '--disable-dev-shm-usage'],
    acceptInsecureCerts: true,
  });
}

// A new page in its own browser context (no cookies shared between
// tests), with what went wrong in it recorded: uncaught exceptions,
// console.error calls, CSP violations reported by Chromium, and answers
// with an error status (status >= 400, with their URL).
export async function openPage(browser, { width = 1024, height = 768 } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  const problems = { errors: [], console: [], failed: [] };
  page.on('pageerror', (e) => problems.errors.push(String(e?.message || e)));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every answer >= 400 as a console error too; those
    // are recorded by URL and status in problems.failed instead.
    if (/^Failed to load resource/.test(m.text())) return;
    problems.console.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.failed.push({ url: r.url(), status: r.status() });
  });
  page.problems = problems;
  page.closeAll = () => context.close();
  return page;
}

// Runs axe-core in page (injected through the DevTools protocol, which
// the page's CSP does not govern; a script tag would be refused) and fails
// on any serious or critical violation, naming rule and nodes.
export async function a11y(page, name) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [], `accessibility of ${name}`);
  return result.violations;
}

// Saves a full-page screenshot as build/test-output/browser/<name>.png.
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Inserts an inline <script> into page at run time, as an injected
// payload would; resolves with {ran, violation: {directive, sample}|null}:
// under the portal's CSP it must not run and Chromium must report it.
export async function tryInlineScript(page) {
  return page.evaluate(() => new Promise((resolve) => {
    let violation = null;
    document.addEventListener('securitypolicyviolation', (e) => {
      violation = { directive: e.effectiveDirective, sample: e.sample };
    });
    const s = document.createElement('script');
    s.textContent = 'window.__keten_inline_ran = true;';
    document.body.appendChild(s);
    // The event is queued as a task: wait for it, boundedly.
    let waited = 0;
    const check = () => {
      if (violation || waited >= 5000) {
        resolve({ ran: window.__keten_inline_ran === true, violation });
        return;
      }
      waited += 50;
      setTimeout(check, 50);
    };
    check();
  }));
}
