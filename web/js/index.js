// index.js - the start page: asks who is signed in (GET /v1/session) and
// goes to that role's pages, or to sign-in.
import { session } from './api.js';
import { el, replace, $ } from './dom.js';
import { load, t } from './i18n.js';

const HOME = { customer: '/customer/', integrator: '/integrator/' };

async function start() {
  await load();
  document.title = t('index.title');
  const status = $('#status');
  status.textContent = t('index.loading');
  try {
    const s = await session();
    const role = s?.principal?.role;
    location.replace(HOME[role] || '/signin.html');
  } catch (e) {
    replace(status, el('span', { role: 'alert' }, t('index.failed', { message: e.message })));
  }
}

start();
