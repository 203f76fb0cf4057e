// i18n.js - every visible text of the portal, read from
// /i18n/<lang>/<area>.json (common, customer, integrator, signin), so that a
// translation is one more folder. t(key, {name}) fills {name} placeholders;
// a missing key shows the key itself, never nothing.
const LANGS = ['en'];
const texts = new Map();
let lang = 'en';

export function language() {
  return lang;
}

// Picks the language (the browser's first supported one, else English) and
// loads the areas' texts; call once before rendering.
export async function load(...areas) {
  const wanted = (navigator.languages || [navigator.language || 'en'])
    .map((l) => String(l).slice(0, 2).toLowerCase());
  lang = wanted.find((l) => LANGS.includes(l)) || 'en';
  document.documentElement.lang = lang;
  await Promise.all(['common', ...areas].map(async (area) => {
    const res = await fetch(`/i18n/${lang}/${area}.json`, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`texts ${area}: ${res.status}`);
    for (const [k, v] of Object.entries(await res.json())) texts.set(k, v);
  }));
}

export function t(key, vars = {}) {
  const text = texts.has(key) ? texts.get(key) : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// Sets the text of every element under root that names a key in its
// data-i18n attribute (the static pages' texts: 404, sign-in's labels).
export function fill(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
}
