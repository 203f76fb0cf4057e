// people.js - the integrator's People page (web/integrator/people.html):
// the people (GET /v1/people) with their role, customer and state; an
// invite form (POST /v1/people) and a reset per person (POST
// /v1/people/{id}/reset), both showing the one-time link to copy, since no
// mail is sent; and disabling a person (POST /v1/people/{id}/disable)
// after a confirmation.
import { start, t, el, replace, api, say, sayError, when, table } from './common.js';

const box = el('div', { id: 'kt-people' });
const linkBox = el('div', { id: 'kt-link', tabindex: '-1' });

// Shows the one-time link of answer ({link: {path, expires_at}}) for person.
function showLink(kind, person, link) {
  const url = new URL(link.path, location.origin).href;
  const field = el('input', { id: 'kt-link-url', type: 'text', readonly: true, value: url,
    'aria-describedby': 'kt-link-note' });
  const copy = el('button', { type: 'button', class: 'secondary' }, t('people.copy'));
  copy.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(url);
      say(t('people.copied'));
    } catch {
      say(t('people.copy_by_hand'));
    }
  });
  replace(linkBox, el('h2', {}, t('people.link_title_' + kind, { name: person.name || person.email })),
    el('p', { id: 'kt-link-note' }, t('people.link_note', { expires: when(link.expires_at) })),
    el('label', { for: 'kt-link-url' }, t('people.link_label')), field, el('p', {}, copy));
  linkBox.focus();
}

async function reset(p) {
  try {
    const v = await api('POST', `/v1/people/${encodeURIComponent(p.id)}/reset`);
    showLink('reset', p, v.link);
    say(t('people.reset_done', { name: p.name }));
  } catch (e) {
    sayError(e);
  }
}

async function disable(p) {
  if (!window.confirm(t('people.disable_confirm', { name: p.name, email: p.email }))) return;
  try {
    await api('POST', `/v1/people/${encodeURIComponent(p.id)}/disable`);
    say(t('people.disabled', { name: p.name }));
    await refresh();
  } catch (e) {
    sayError(e);
  }
}

function actions(p) {
  if (p.state === 'disabled') return t('console.none');
  const r = el('button', { type: 'button', class: 'secondary', 'data-reset': p.email },
    t('people.reset', { name: p.name }));
  const d = el('button', { type: 'button', class: 'secondary', 'data-disable': p.email },
    t('people.disable', { name: p.name }));
  r.addEventListener('click', () => reset(p));
  d.addEventListener('click', () => disable(p));
  return el('span', { class: 'kt-actions' }, r, ' ', d);
}

async function refresh() {
  try {
    const items = [];
    let cursor = '';
    do {
      const page = await api('GET', '/v1/people?limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    replace(box, items.length === 0 ? el('p', {}, t('people.empty')) : table(t('people.caption'),
      ['col_name', 'col_email', 'col_role', 'col_customer', 'col_state', 'col_created', 'col_actions']
        .map((c) => t('people.' + c)),
      items.map((p) => [p.name, p.email, t('people.role_' + p.role), p.customer ?? t('console.none'),
        t('people.state_' + p.state), when(p.created_at), actions(p)])));
  } catch (e) {
    sayError(e);
  }
}

function field(id, label, input) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

function inviteForm() {
  const role = el('select', { id: 'kt-role', name: 'role' },
    el('option', { value: 'customer' }, t('people.role_customer')),
    el('option', { value: 'integrator' }, t('people.role_integrator')));
  const customer = el('input', { id: 'kt-customer', name: 'customer', type: 'text',
    'aria-describedby': 'kt-customer-hint' });
  const customerField = field('kt-customer', t('people.customer'), customer);
  customerField.append(el('p', { id: 'kt-customer-hint', class: 'hint' }, t('people.customer_hint')));
  role.addEventListener('change', () => { customerField.hidden = role.value !== 'customer'; });
  const form = el('form', { id: 'kt-invite', novalidate: true },
    field('kt-email', t('people.email'), el('input', { id: 'kt-email', name: 'email', type: 'email',
      autocomplete: 'off', required: true })),
    field('kt-name', t('people.name'), el('input', { id: 'kt-name', name: 'name', type: 'text',
      autocomplete: 'off', required: true })),
    field('kt-role', t('people.role'), role), customerField,
    el('p', {}, el('button', { type: 'submit', id: 'kt-invite-send' }, t('people.invite_send'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { email: form.email.value.trim(), name: form.name.value.trim(), role: role.value };
    if (role.value === 'customer') body.customer = customer.value.trim();
    try {
      const v = await api('POST', '/v1/people', body);
      showLink('invite', v.person, v.link);
      say(t('people.invited', { name: v.person.name }));
      form.reset();
      customerField.hidden = false;
      await refresh();
    } catch (e) {
      const why = e.details?.map((d) => `${d.path} ${d.message}`).join('; ');
      sayError(why ? { message: `${e.message} (${why})` } : e);
    }
  });
  return form;
}

const main = await start('people', 'people.title');
if (main) {
  main.append(el('p', {}, t('people.intro')), box,
    el('h2', {}, t('people.invite_title')), inviteForm(), linkBox);
  await refresh();
}
