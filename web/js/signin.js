// signin.js - the sign-in page: email and password to POST /v1/session;
// an error is announced to screen readers (role="alert") and the
// password field is cleared; on success, the page the person asked for
// (a path of this site only), else the start page of their role.
const texts = {};
const t = (k) => texts[k] ?? k;

// Only a path on this site: never another origin ("//x", "/\x", "https:").
function next(role) {
  const want = new URLSearchParams(location.search).get('next') || '';
  if (/^\/(?![/\\])/.test(want)) return want;
  return role === 'integrator' ? '/integrator/' : '/customer/';
}

async function signIn(e) {
  e.preventDefault();
  const form = e.target;
  const error = document.getElementById('signin-error');
  if (!form.reportValidity()) return;
  error.hidden = true;
  document.getElementById('signin').disabled = true;
  let r;
  try {
    r = await fetch('/v1/session', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ email: form.email.value.trim(), password: form.password.value }) });
  } catch {
    r = null;
  }
  document.getElementById('signin').disabled = false;
  if (r && r.status === 200) {
    const body = await r.json();
    location.assign(next(body.person?.role));
    return;
  }
  form.password.value = '';
  error.textContent = t(!r ? 'error.network' : r.status === 429 ? 'error.throttled'
    : r.status === 400 || r.status === 401 || r.status === 422 ? 'error.credentials' : 'error.general');
  error.hidden = false;
  form.password.focus();
}

const r = await fetch('/i18n/en/signin.json', { credentials: 'same-origin' });
if (r.ok) Object.assign(texts, await r.json());
for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
document.getElementById('signin-form').addEventListener('submit', signIn);
