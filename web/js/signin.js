// signin.js - the sign-in page: email and password to POST /v1/session;
// an error is announced to screen readers (role="alert"), the password
// cleared and focused again; on success, the page the person was sent
// here from (a path of this site only), else the start page of their role.
import { post } from './api.js';
import { $ } from './dom.js';
import { load, t, fill } from './i18n.js';

const HOME = { customer: '/customer/', integrator: '/integrator/' };

// Only a path on this site: never another origin ("//x", "/\x", "https:").
function next(role) {
  const want = new URLSearchParams(location.search).get('next') || '';
  return /^\/(?![/\\])/.test(want) ? want : HOME[role] || '/';
}

function fail(text) {
  const form = $('#signin-form');
  $('#signin-error').textContent = text;
  $('#signin-error').hidden = false;
  form.password.value = '';
  (form.email.value ? form.password : form.email).focus();
}

async function signIn(e) {
  e.preventDefault();
  const form = e.target;
  $('#signin-error').hidden = true;
  if (!form.email.value.trim() || !form.password.value) {
    fail(t('signin.error.missing'));
    return;
  }
  $('#signin').disabled = true;
  try {
    const s = await post('/v1/session', { email: form.email.value.trim(), password: form.password.value },
      { on401: 'throw' });
    location.assign(next(s?.person?.role));
  } catch (err) {
    fail(t(err.status === 0 ? 'error.network' : err.status === 429 ? 'signin.error.throttled'
      : err.status >= 400 && err.status < 500 ? 'signin.error.credentials' : 'signin.error.general'));
  } finally {
    $('#signin').disabled = false;
  }
}

await load('signin');
fill();
document.title = t('signin.doctitle');
$('#signin-form').addEventListener('submit', signIn);
// Sent here by the password page (web/js/password.js) after a password was set.
if (new URLSearchParams(location.search).get('password') === 'set') {
  $('#signin-note').textContent = t('signin.password_set');
  $('#signin-note').hidden = false;
}
