// common.js - what every page of the integrator's console shares, on top
// of the portal's front end (web/js/{api,dom,i18n,layout,live}.js): the
// start of a page (texts, session, frame, role check), a status line,
// live refreshes, tables, links, and the formats of times and durations.
import { request, session, signInUrl } from '../api.js';
import { el, replace } from '../dom.js';
import { load, t } from '../i18n.js';
import { frame } from '../layout.js';
import { connect } from '../live.js';

export { el, replace, t };

// Calls the API; the answer's JSON, or throws the api.js ApiError.
export const api = (method, path, body) => request(method, path, body);

// Shows message in the page's status line (role=status; role=alert for an
// error).
export function say(message, error = false) {
  const box = document.getElementById('kt-say');
  if (!box) return;
  box.setAttribute('role', error ? 'alert' : 'status');
  box.className = error ? 'alert' : 'kt-say';
  box.textContent = message;
}

export const sayError = (e) => say(t('console.error', { message: e.message }), true);

// Starts a page: the texts, the session, the frame (navKey marks the
// current page) titled by the text titleKey, with an <h1> and the status
// line. Resolves to the <main> to append to, or null when the caller is
// not the integrator (sent to sign in, or told).
export async function start(navKey, titleKey) {
  await load('integrator');
  const s = await session();
  if (!s) {
    location.assign(signInUrl());
    return null;
  }
  const main = frame(s, 'integrator', navKey);
  document.title = `${t(titleKey, { number: '' }).trim()} · ${t('app.name')}`;
  if (s.principal?.role !== 'integrator') {
    replace(main, el('p', { class: 'alert', role: 'alert' }, t('console.forbidden')));
    return null;
  }
  replace(main, el('h1', { id: 'kt-title' }, t(titleKey, { number: '' }).trim()),
    el('p', { id: 'kt-say', class: 'kt-say', role: 'status' }));
  return main;
}

// Calls fn after a burst of live events (ticket, delivery or queue) has
// settled for wait ms; marks the page's live state on <body>.
export function live(fn, wait = 400) {
  let timer = null;
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, wait);
  };
  return connect({ ticket: kick, delivery: kick, queue: kick,
    status: (on) => document.body.setAttribute('data-live', on ? 'on' : 'off') });
}

const two = (n) => String(n).padStart(2, '0');

// An RFC 3339 time as "YYYY-MM-DD HH:MM UTC"; the none sign when absent.
export function when(iso) {
  if (!iso) return t('console.none');
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

export const now = () => when(new Date().toISOString());

// Seconds as "3 d 4 h", "2 h 5 min", "4 min 10 s" or "12 s".
export function duration(s) {
  if (s === null || s === undefined) return t('console.none');
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}

// The value of the page's query parameter name, or null.
export const param = (name) => new URLSearchParams(location.search).get(name);

// A table that scrolls sideways on a phone (a region the keyboard can
// reach and scroll): a caption, header cells and rows of cells (text or
// nodes; the first is the row's header).
export function table(caption, heads, rows) {
  return el('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' }, el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) =>
      (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c))))))));
}

// The link to a ticket's page.
export const ticketLink = (id, number) =>
  el('a', { href: '/integrator/ticket.html?id=' + encodeURIComponent(id) }, number);
