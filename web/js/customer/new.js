// new.js - report an incident or make a request (POST /v1/tickets):
// impact and urgency explained, and the priority that follows shown
// before sending, read from the API's own matrix (GET /v1/priorities).
import { api, start, el, t, $, showError } from './common.js';

let matrix = [];
let idempotencyKey = crypto.randomUUID();

const picked = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
const level = (name) => Number(picked(name));

function levels(name, values) {
  const box = $(`#${name}`);
  for (const v of values) {
    const id = `${name}-${v}`;
    box.append(el('div', { class: 'choice' },
      el('input', { type: 'radio', id, name, value: String(v), checked: v === 2,
        'aria-describedby': `${id}-help`, onchange: showPriority }),
      el('label', { for: id, text: t(`${name}.${v}`) }),
      el('p', { id: `${id}-help`, class: 'help', text: t(`${name}.${v}.help`) })));
  }
}

function showPriority() {
  const cell = matrix.find((m) => m.impact === level('impact') && m.urgency === level('urgency'));
  $('#priority').textContent = cell ? t(`priority.${cell.priority}`) : '';
}

async function send(e) {
  e.preventDefault();
  const form = $('#new-form');
  if (!form.reportValidity()) return;
  $('#send').disabled = true;
  const r = await api('POST', '/v1/tickets', {
    service: $('#service').value,
    type: picked('type'),
    summary: $('#summary').value.trim(),
    description: $('#description').value,
    impact: level('impact'),
    urgency: level('urgency'),
  }, { 'Idempotency-Key': idempotencyKey });
  $('#send').disabled = false;
  if (r.status === 201) {
    idempotencyKey = crypto.randomUUID();
    location.assign(`/customer/ticket.html?id=${encodeURIComponent(r.json.id)}`);
    return;
  }
  showError($('#error'), r);
}

if (await start()) {
  const [p, s] = await Promise.all([api('GET', '/v1/priorities'), api('GET', '/v1/status?limit=200')]);
  if (p.status !== 200 || s.status !== 200) {
    showError($('#error'), p.status !== 200 ? p : s);
  } else {
    matrix = p.json.matrix;
    levels('impact', p.json.impact);
    levels('urgency', p.json.urgency);
    $('#service').append(...s.json.items.map((x) => el('option', { value: x.service.id, text: x.service.name })));
    const want = new URLSearchParams(location.search).get('service');
    if (want) $('#service').value = want;
    showPriority();
  }
  $('#new-form').addEventListener('submit', send);
}
