// common.js - what every customer page shares: the JSON API with the
// session's CSRF token, the page's text from web/i18n/en/<area>.json,
// elements built with text only (never HTML), the header and its sign-out,
// dates and the names of statuses. A page is a view: the API decides.

let csrf = null;
let texts = {};

// The API: JSON in and out, the session cookie, the CSRF token on every
// state-changing call, extra headers. Resolves {status, json}; a 401
// goes to sign-in.
export async function api(method, path, body, extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const json = r.status === 204 ? null : await r.json().catch(() => null);
  if (r.status === 401) {
    location.assign(`/signin.html?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  return { status: r.status, json };
}

// The text of key with {name} replaced from vars; the key itself when
// the file has none (so that a missing text shows, not a blank).
export function t(key, vars = {}) {
  const s = texts[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// An element with attributes (on*: listeners; text: its text) and
// children (strings become text nodes).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

export const $ = (sel) => document.querySelector(sel);

// A date-time for people, in the browser's zone and language.
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const statusText = (s) => t(`status.${s}`);
export const typeText = (s) => t(`type.${s}`);
export const healthText = (s) => t(`health.${s}`);

// A status as a badge: its text, and a class the style sheet colours.
export const badge = (kind, value, text) => el('span', { class: `badge ${kind}-${value}`, text });

// Fills every [data-i18n] element with its text.
function fillTexts(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-label]')) {
    e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  }
}

// Loads the texts of areas (common first), asks who is signed in, fills
// the page's texts and header. Resolves the session (GET /v1/session),
// or null after sending a caller who is not a customer elsewhere.
export async function start(areas = ['customer']) {
  for (const area of areas) {
    const r = await fetch(`/i18n/en/${area}.json`, { credentials: 'same-origin' });
    if (r.ok) Object.assign(texts, await r.json());
  }
  fillTexts();
  const s = await api('GET', '/v1/session');
  if (s.status !== 200) return null;
  csrf = s.json.csrf_token;
  if (s.json.principal?.role !== 'customer') {
    location.assign(s.json.principal?.role === 'integrator' ? '/integrator/' : '/signin.html');
    return null;
  }
  const who = $('#who');
  if (who) who.textContent = s.json.person?.name || s.json.person?.email || '';
  const out = $('#signout');
  if (out) {
    out.hidden = !s.json.person;
    out.addEventListener('click', async () => {
      await api('DELETE', '/v1/session');
      location.assign('/signin.html');
    });
  }
  const here = document.body.dataset.page;
  for (const a of document.querySelectorAll('nav a[data-page]')) {
    if (a.dataset.page === here) a.setAttribute('aria-current', 'page');
  }
  return s.json;
}

// Shows an API error in region (a role="alert" element): its message
// and details from the API, else a general one.
export function showError(region, r) {
  const e = r?.json?.error;
  const details = (e?.details || []).map((d) => `${d.path}: ${d.message}`);
  region.textContent = e?.message
    ? t('error.api', { message: [e.message, ...details].join('; ') }) : t('error.general');
  region.hidden = false;
}
