// api.js - the portal's one way to the JSON API: same-origin credentials
// (the session cookie), JSON in and out, the CSRF token on every state-
// changing call, a 401 sends the person to sign in (and back after), and
// an error's message from its body becomes the thrown Error's message.
import { t } from './i18n.js';

let csrf = null;
const SAFE = new Set(['GET', 'HEAD']);

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

export function signInUrl() {
  const next = location.pathname + location.search;
  return `/signin.html?next=${encodeURIComponent(next)}`;
}

// The caller's session: {principal, person, csrf_token}, or null when
// nobody is signed in. Keeps the CSRF token for later calls.
export async function session() {
  try {
    const s = await request('GET', '/v1/session', undefined, { on401: 'null' });
    csrf = s?.csrf_token || null;
    return s;
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

export function setCsrfToken(token) {
  csrf = token || null;
}

// request('POST', '/v1/tickets', {summary}) -> the answer's JSON (null for
// 204). options: {headers, on401: 'signin' (default) | 'null' | 'throw'}.
export async function request(method, path, body, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE.has(method) && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (res.status === 401) {
    const how = options.on401 || 'signin';
    if (how === 'null') return null;
    if (how === 'signin') location.assign(signInUrl());
  }
  if (res.status === 204) return null;
  let json = null;
  try { json = await res.json(); } catch { json = null; }
  if (!res.ok) {
    const e = json?.error || {};
    throw new ApiError(res.status, e.code || 'unknown',
      e.message || t('error.unknown', { status: res.status }), e.details);
  }
  return json;
}

export const get = (path, options) => request('GET', path, undefined, options);
export const post = (path, body, options) => request('POST', path, body, options);
export const put = (path, body, options) => request('PUT', path, body, options);
export const del = (path, options) => request('DELETE', path, undefined, options);
