// common.js - what every page of the integrator's console shares: its text
// (web/i18n/en/integrator.json), calls to the JSON API with the session's
// CSRF token, elements built with text only (never markup), the navigation,
// live updates from GET /v1/stream, and the formats of times and durations.

let strings = {};
let csrf = null;

// The text of key ("queues.title") with {name} replaced from vars; the key
// itself when the file lacks it, so a missing text shows, not breaks.
export function t(key, vars = {}) {
  const v = key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), strings);
  if (typeof v !== 'string') return key;
  return v.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// An element: props are attributes (className as class; never event
// handlers or markup), children are nodes or text (made text nodes).
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'className') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Empties node and puts children in.
export function fill(node, ...children) {
  node.replaceChildren();
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) {
      node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
  }
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Calls the API; returns the JSON answer (null for 204) or throws ApiError
// with the answer's error code and message. A state-changing call carries
// the session's CSRF token.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, { method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) {
    throw new ApiError(r.status, json?.error?.code || 'http_' + r.status,
      json?.error?.message || r.statusText || String(r.status));
  }
  return json;
}

// Puts the text of every [data-t] element of root in place.
function applyText(root) {
  for (const e of root.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
}

const PAGES = [
  ['queues', '/integrator/'],
  ['dead_letters', '/integrator/dead-letters.html'],
  ['suppliers', '/integrator/suppliers.html'],
  ['chains', '/integrator/chain.html'],
  ['reports', '/integrator/reports.html'],
];

function navigation(current) {
  const list = el('ul', { className: 'kt-nav' });
  for (const [key, href] of PAGES) {
    list.appendChild(el('li', {}, el('a', { href, 'aria-current': key === current ? 'page' : null },
      t('nav.' + key))));
  }
  const out = el('button', { type: 'button', className: 'kt-signout' }, t('nav.signout'));
  out.addEventListener('click', async () => {
    try { await api('DELETE', '/v1/session'); } catch { /* already gone */ }
    location.href = '/signin.html';
  });
  list.appendChild(el('li', {}, out));
  return el('nav', { 'aria-label': t('nav.label') }, list);
}

// Shows message in the page's status region (role=status; role=alert for
// an error).
export function say(message, error = false) {
  const box = document.getElementById('kt-say');
  if (!box) return;
  box.setAttribute('role', error ? 'alert' : 'status');
  box.className = error ? 'kt-say kt-error' : 'kt-say';
  box.textContent = message;
}

export const sayError = (e) => say(t('common.error', { message: e.message }), true);

// Starts a page: its text (titled by the text titleKey), navigation (page
// is its key there; null for none) and the caller's session. Resolves to
// true when the caller may use the console; else shows why and resolves
// to false.
export async function start(page, titleKey) {
  strings = await (await fetch('/i18n/en/integrator.json', { credentials: 'same-origin' })).json();
  document.title = t(titleKey, { number: '' }).trim() + ' · Keten';
  applyText(document);
  const header = document.querySelector('header');
  if (header) header.appendChild(navigation(page));
  try {
    const s = await api('GET', '/v1/session');
    csrf = s?.csrf_token || null;
    if (s?.principal && s.principal.role !== 'integrator') {
      say(t('common.forbidden'), true);
      return false;
    }
  } catch (e) {
    if (e.status === 401) {
      const main = document.querySelector('main');
      fill(main, el('p', {}, t('common.signed_out'), ' ',
        el('a', { href: '/signin.html?next=' + encodeURIComponent(location.pathname + location.search) },
          t('common.sign_in'))));
      return false;
    }
  }
  return true;
}

// Calls fn (at most once per wait ms, after the last of a burst) whenever
// the broker's live stream says something changed; the stream reconnects
// by itself (EventSource). Returns the EventSource.
export function live(fn, wait = 400) {
  let timer = null;
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, wait);
  };
  const src = new EventSource('/v1/stream', { withCredentials: true });
  src.addEventListener('message', kick);
  for (const kind of ['ticket', 'tickets', 'delivery', 'change']) src.addEventListener(kind, kick);
  src.addEventListener('open', () => document.body.setAttribute('data-live', 'on'));
  src.addEventListener('error', () => document.body.setAttribute('data-live', 'off'));
  return src;
}

const two = (n) => String(n).padStart(2, '0');

// An RFC 3339 time as "YYYY-MM-DD HH:MM UTC"; the none sign when absent.
export function when(iso) {
  if (!iso) return t('common.none');
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

// Seconds as "3 d 4 h", "2 h 5 min", "4 min 10 s" or "12 s".
export function duration(s) {
  if (s === null || s === undefined) return t('common.none');
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}

// The value of the page's query parameter name, or null.
export const param = (name) => new URLSearchParams(location.search).get(name);

// A table with a caption, header cells and rows of cells (text or nodes).
export function table(caption, heads, rows) {
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) =>
      (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c)))))));
}

// The link to a ticket's page.
export const ticketLink = (id, number) =>
  el('a', { href: '/integrator/ticket.html?id=' + encodeURIComponent(id) }, number);
