// password.js - the page an invite or reset link opens
// (/password.html#token=...): the token is read from the fragment, which
// no server sees, and sent only in the body of POST /v1/session/password
// with the new password (asked twice, 12+ characters). Then the person is
// signed in with it and sent to their start page (else to sign-in, told).
import { post } from './api.js';
import { $ } from './dom.js';
import { load, t, fill } from './i18n.js';

const HOME = { customer: '/customer/', integrator: '/integrator/' };
const MIN = 12;

const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
// The token leaves the address bar (and the history) at once.
history.replaceState(null, '', location.pathname);

function fail(text, focus = '#password') {
  const form = $('#password-form');
  $('#password-error').textContent = text;
  $('#password-error').hidden = false;
  form.password.value = '';
  form.again.value = '';
  $(focus).focus();
}

function problem(err) {
  if (err.status === 0) return t('error.network');
  if (err.code === 'link_invalid') return t('password.error.link');
  if (err.code === 'password_too_short') return t('password.error.short', { min: MIN });
  if (err.code === 'password_too_long') return t('password.error.long');
  return err.status >= 400 && err.status < 500 ? t('password.error.invalid') : t('password.error.general');
}

// Signs in with the password just set; the start page, or sign-in with a
// note when that does not work (a throttle, an integrator's SSO rule).
async function go(person, password) {
  try {
    const s = await post('/v1/session', { email: person.email, password }, { on401: 'throw' });
    location.assign(HOME[s?.person?.role] || '/');
  } catch {
    location.assign('/signin.html?password=set');
  }
}

async function submit(e) {
  e.preventDefault();
  const form = e.target;
  $('#password-error').hidden = true;
  if (!token) return fail(t('password.error.no_token'));
  if ([...form.password.value].length < MIN) return fail(t('password.error.short', { min: MIN }));
  if (form.password.value !== form.again.value) return fail(t('password.error.mismatch'));
  $('#set-password').disabled = true;
  try {
    const person = await post('/v1/session/password', { token, password: form.password.value },
      { on401: 'throw' });
    await go(person, form.password.value);
  } catch (err) {
    fail(problem(err));
  } finally {
    $('#set-password').disabled = false;
  }
  return undefined;
}

await load('signin');
fill();
document.title = t('password.doctitle');
$('#password-form').addEventListener('submit', submit);
if (!token) fail(t('password.error.no_token'));
