// sso.js - the sign-in page's "Sign in with single sign-on" link (issue 15):
// shown only when GET /v1/session/methods says single sign-on is on,
// labelled with the provider's name (the setting oidc_label), and carrying
// the page's ?next= on to /v1/oidc/login (the broker keeps only a path of
// this site). Text through i18n.js, set with textContent.
import { load, t } from './i18n.js';

async function main() {
  const link = document.getElementById('sso-link');
  if (!link) return;
  const res = await fetch('/v1/session/methods', { credentials: 'same-origin' });
  if (!res.ok) return;
  const methods = await res.json();
  if (!methods.oidc || !methods.oidc.enabled) return;
  await load('signin');
  const next = new URLSearchParams(location.search).get('next') || '/';
  link.href = `${methods.oidc.login_url}?next=${encodeURIComponent(next)}`;
  link.textContent = t('signin.sso', { label: methods.oidc.label });
  link.hidden = false;
}

main();
