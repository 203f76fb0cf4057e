// common.js - what every customer page shares, on the portal's skeleton
// (api.js, dom.js, i18n.js, layout.js): signing in as a customer, the
// frame around the page's own <main> content, statuses and dates in
// words, and an API error shown in a page's alert region.
import { session, signInUrl } from '../api.js';
import { el, $ } from '../dom.js';
import { load, t, fill } from '../i18n.js';
import { frame } from '../layout.js';

// Loads the texts, asks who is signed in and frames the page (its key in
// the navigation: services, tickets, report; ticket: none), moving the
// static content of the page's <main> into the frame. Resolves the
// session, or null after sending a caller who is not a customer elsewhere.
export async function start(page) {
  await load('customer');
  const s = await session();
  const role = s?.principal?.role;
  if (role !== 'customer') {
    location.assign(!s ? signInUrl() : role === 'integrator' ? '/integrator/' : '/signin.html');
    return null;
  }
  const content = [...$('#main').childNodes];
  frame(s, 'customer', page).append(...content);
  fill();
  document.title = t(`${page}.doctitle`);
  return s;
}

// A date-time for people, in the browser's zone and language.
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const time = (iso) => el('time', { datetime: iso }, when(iso));
export const statusText = (s) => t(`status.${s}`);
export const typeText = (s) => t(`type.${s}`);
export const healthText = (s) => t(`health.${s}`);

// A value as a badge: its text, and a class the style sheet colours.
export const badge = (kind, value, text) => el('span', { class: `badge ${kind}-${value}` }, text);

// Shows an API error (api.js's ApiError) in region, a role="alert"
// element: its message and details, else a general text.
export function showError(region, e) {
  const details = (e?.details || []).map((d) => `${d.path}: ${d.message}`);
  region.textContent = e?.message ? t('error.api', { message: [e.message, ...details].join('; ') })
    : t('error.general');
  region.hidden = false;
}
