// layout.js - the frame of every signed-in page: the skip link, the header
// with the product name, the role's navigation (current page marked), who
// is signed in and sign-out, and the <main> landmark the page fills.
//   const main = await frame(session, 'customer', 'tickets');
import { el, replace } from './dom.js';
import { del } from './api.js';
import { t } from './i18n.js';

const NAV = {
  customer: [
    ['services', '/customer/'],
    ['tickets', '/customer/tickets.html'],
    ['report', '/customer/report.html'],
  ],
  integrator: [
    ['queues', '/integrator/'],
    ['tickets', '/integrator/tickets.html'],
    ['suppliers', '/integrator/suppliers.html'],
    ['services', '/integrator/services.html'],
    ['reports', '/integrator/reports.html'],
    ['people', '/integrator/people.html'],
  ],
};

export async function signOut() {
  try { await del('/v1/session', { on401: 'null' }); } finally { location.assign('/signin.html'); }
}

// Builds the frame into document.body for session s ({person, principal})
// and area ('customer' or 'integrator'), with current the key of this page.
// Returns the <main> element to fill.
export function frame(s, area, current) {
  const main = el('main', { id: 'main', tabindex: '-1' });
  const links = (NAV[area] || []).map(([key, href]) => el('li', {},
    el('a', { href, 'aria-current': key === current ? 'page' : null }, t(`nav.${area}.${key}`))));
  const who = s?.person ? t('nav.signed_in_as', { name: s.person.name || s.person.email }) : '';
  const out = el('button', { type: 'button', class: 'link' }, t('nav.signout'));
  out.addEventListener('click', signOut);
  const header = el('header', { class: 'site' },
    el('a', { class: 'brand', href: '/' }, t('app.name')),
    el('nav', { 'aria-label': t('nav.main') }, el('ul', {}, links)),
    el('div', { class: 'who' }, who ? el('span', {}, who) : null, s?.person ? out : null));
  replace(document.body,
    el('a', { class: 'skip', href: '#main' }, t('nav.skip')), header, main);
  return main;
}
