#!/usr/bin/env node
// tmf621-sim.mjs - a TM Forum TMF621 Trouble Ticket seller for Keten's
// tests, in v4 or v5 (--api-version): troubleTicket create, read, list
// (TMF630 attribute filters on lastUpdate, externalId,
// externalIdentifier.id and .owner; sort; offset/limit; 206 for a partial list),
// PATCH (v4 merge-style; v5 merge patch or JSON Patch), the hub (POST
// /hub, DELETE /hub/{id}) and events posted to each listener. Every
// request is checked against the official OpenAPI document
// (tests/specs/tmf621/) and refused with TMF's Error when it breaks it (a
// v5 object without @type, ...); every answer and event the simulator
// gives is checked too, and what breaks the document is listed at
// /_sim/violations. A /_sim/ control API plays the seller's agent.
// Flags and API: tests/sim/README.md.

import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadOpenApi } from '../system/lib/openapi.mjs';
import { simCommandLine, simLog, simServe, simPost } from './lib/sim-server.mjs';

const SPECS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../specs/tmf621');
const STATUSES = ['acknowledged', 'rejected', 'pending', 'held', 'inProgress', 'cancelled', 'closed', 'resolved'];

const cl = simCommandLine('tmf621-sim', [
	'usage: tmf621-sim.mjs --cert FILE --tls-key FILE [--api-version 4|5] [--listen HOST:PORT]',
	'         [--port-file FILE] [--login NAME] [--broker-ca FILE] [--listener-user NAME]',
	'         [--no-filter]',
	'  the API password comes from SIM_PASSWORD (default "secret"), the password the',
	'  hub sends its events with from SIM_LISTENER_PASSWORD',
], {
	'api-version': { type: 'string', default: '5' },
	login: { type: 'string', default: 'keten' },
	'broker-ca': { type: 'string' },
	'listener-user': { type: 'string', default: 'tmf-hub' },
	'no-filter': { type: 'boolean', default: false },
});
const { args } = cl;
if (!['4', '5'].includes(args['api-version'])) cl.fail('--api-version is 4 or 5');
const V5 = args['api-version'] === '5';
const BASE = `/tmf-api/troubleTicket/v${args['api-version']}`;
// The media type of an event's body (v4's document declares it with charset).
const EVENT_TYPE = V5 ? 'application/json' : 'application/json;charset=utf-8';
const PASSWORD = process.env.SIM_PASSWORD ?? 'secret';
const LISTENER_PASSWORD = process.env.SIM_LISTENER_PASSWORD ?? '';
let brokerCa;
try {
	brokerCa = args['broker-ca'] ? fs.readFileSync(args['broker-ca']) : undefined;
} catch (e) {
	cl.fail(e.message);
}
const spec = await loadOpenApi(path.join(SPECS, V5
	? 'TMF621-Trouble_Ticket-v5.0.1.oas.yaml' : 'TMF621-TroubleTicket-v4.0.0.swagger.json'), {
	base: BASE,
	// TMF630: a list may filter on any attribute (with .gt, .gte, .lt, .lte) and sort
	extraQuery: (name, template, method) => method === 'GET' && template === '/troubleTicket' &&
		/^(sort|[A-Za-z@][A-Za-z0-9]*(\.[A-Za-z@][A-Za-z0-9]*)*)$/.test(name),
});

const log = simLog('tmf621');

// ---------------------------------------------------------------- state

const tickets = []; // in creation order
const hubs = [];
let received = []; // every API request
let events = []; // every event posted to a listener, with its answer
let violations = []; // every request, answer or event that broke the document
let mode = { mode: 'normal' };
let seq = 0;
let lastMs = 0;

// A change time: now, later than any before, unless a test sets one.
function stamp(at) {
	const ms = at !== undefined ? Date.parse(at) : Math.max(Date.now(), lastMs + 1);
	lastMs = Math.max(lastMs, ms);
	return new Date(ms).toISOString();
}

const typed = (obj, type) => (V5 ? { '@type': type, ...obj } : obj);
const error = (status, reason, message) => ({ status, body: typed({ code: String(status), reason,
	...(message ? { message } : {}), status: String(status) }, 'Error') });

function view(t, fields) {
	const out = structuredClone(t);
	if (!fields) return out;
	const keep = new Set(['id', 'href', '@type', ...fields.split(',')]);
	return Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
}

// ---------------------------------------------------------------- events

// Posts event eventType about t to every hub's {callback}/listener/<name>.
async function notify(eventType, t, extra = {}) {
	const name = eventType[0].toLowerCase() + eventType.slice(1);
	const body = typed({ eventId: randomUUID(), eventTime: new Date().toISOString(), eventType,
		event: { troubleTicket: view(t) }, ...extra }, eventType);
	const problems = spec.checkRequest({ method: 'POST', url: `${BASE}/listener/${name}`,
		headers: { 'content-type': EVENT_TYPE }, body });
	if (problems.length) violations.push({ at: Date.now(), what: `event ${eventType}`, problems });
	for (const hub of hubs) {
		const r = await post(new URL(`${hub.callback.replace(/\/$/, '')}/listener/${name}`), body);
		events.push({ hub: hub.id, eventType, ticket: t.id, ...r });
		log('event', { eventType, ticket: t.id, status: r.status ?? null, error: r.error ?? null });
	}
}

async function post(url, body) {
	const auth = Buffer.from(`${args['listener-user']}:${LISTENER_PASSWORD}`).toString('base64');
	const r = await simPost(url, body, { ca: brokerCa,
		headers: { 'content-type': EVENT_TYPE, authorization: `Basic ${auth}` } });
	return r.error ? r : { status: r.status, expected: r.status === (V5 ? 204 : 201), body: r.text };
}

// ---------------------------------------------------------------- tickets

function setStatus(t, status, reason, at) {
	t.status = status;
	t.statusChangeDate = at;
	if (reason !== undefined) t.statusChangeReason = reason;
	if (status === 'resolved') t.resolutionDate = at;
	const entry = typed({ status, statusChangeDate: at, ...(reason !== undefined ? { statusChangeReason: reason } : {}) },
		'StatusChange');
	(V5 ? t.statusChangeHistory : t.statusChange).push(entry);
}

function addNote(t, note, at) {
	const n = typed({ ...note, id: note.id ?? `n-${t.note.length + 1}`, date: note.date ?? at }, 'Note');
	if (!V5) delete n['@type'];
	t.note.push(n);
	return n;
}

function create(body) {
	const at = stamp();
	seq++;
	const id = `TT-${String(1000 + seq)}`;
	const t = { ...structuredClone(body), id, href: `https://tt.sim${BASE}/troubleTicket/${id}`,
		creationDate: at, lastUpdate: at, note: [], ...(V5 ? { statusChangeHistory: [] } : { statusChange: [] }) };
	for (const n of body.note ?? []) addNote(t, n, at);
	if (t.note.length === 0 && body.note === undefined) t.note = [];
	setStatus(t, 'acknowledged', undefined, at);
	tickets.push(t);
	return t;
}

// Applies a merge-style change (v4's PATCH, v5's merge patch): notes are
// added (as sellers do: a note list is never replaced), other members set.
function merge(t, change, at) {
	const problems = [];
	if ('status' in change && !STATUSES.includes(change.status)) problems.push(`status ${JSON.stringify(change.status)} is unknown`);
	for (const k of ['id', 'href', 'creationDate', 'lastUpdate', 'statusChangeDate', 'statusChange', 'statusChangeHistory']) {
		if (k in change) problems.push(`${k} cannot be changed`);
	}
	if (problems.length) return { problems };
	const changed = [];
	for (const [k, v] of Object.entries(change)) {
		if (k === 'note' || k === 'status' || k === 'statusChangeReason' || k === '@type') continue;
		t[k] = v;
		changed.push(k);
	}
	for (const n of change.note ?? []) addNote(t, n, at);
	if (change.note?.length) changed.push('note');
	const statusChanged = 'status' in change && change.status !== t.status;
	if (statusChanged) setStatus(t, change.status, change.statusChangeReason, at);
	else if ('statusChangeReason' in change) t.statusChangeReason = change.statusChangeReason;
	t.lastUpdate = at;
	return { statusChanged, changed };
}

// RFC 6902 as TMF's example uses it: add a note (/note/- or /note), or
// replace or add a top-level member.
function jsonPatch(t, ops, at) {
	const change = {};
	const notes = [];
	for (const op of ops) {
		if ((op.path === '/note/-' || op.path === '/note') && op.op === 'add') {
			notes.push(...(Array.isArray(op.value) ? op.value : [op.value]));
		} else if (['add', 'replace'].includes(op.op) && /^\/[A-Za-z@][A-Za-z0-9]*$/.test(op.path)) {
			change[op.path.slice(1)] = op.value;
		} else {
			return { problems: [`cannot apply ${op.op} at ${op.path}`] };
		}
	}
	if (notes.length) change.note = notes;
	return merge(t, change, at);
}

function attr(t, name) {
	if (name === 'externalIdentifier.id') return (t.externalIdentifier ?? []).map((x) => x.id);
	if (name === 'externalIdentifier.owner') return (t.externalIdentifier ?? []).map((x) => x.owner);
	return [t[name]];
}

function list(params) {
	let found = tickets;
	if (!args['no-filter']) {
		for (const [name, value] of params) {
			if (['fields', 'offset', 'limit', 'sort'].includes(name)) continue;
			const m = /^(.*?)(?:\.(gt|gte|lt|lte))?$/.exec(name);
			const op = m[2] ?? 'eq';
			if (op !== 'eq' && m[1] !== 'lastUpdate' && m[1] !== 'creationDate') {
				return error(400, 'Invalid filter', `${name} is not a date attribute`);
			}
			const want = op === 'eq' ? value : Date.parse(value);
			if (op !== 'eq' && Number.isNaN(want)) return error(400, 'Invalid filter', `${value} is not a date-time`);
			found = found.filter((t) => attr(t, m[1]).some((got) => {
				const g = op === 'eq' ? got : Date.parse(got);
				return op === 'eq' ? g === want : op === 'gt' ? g > want : op === 'gte' ? g >= want
					: op === 'lt' ? g < want : g <= want;
			}));
		}
		const sort = params.get('sort');
		if (sort) {
			const keys = sort.split(',');
			if (!keys.every((k) => /^-?(lastUpdate|creationDate|id)$/.test(k))) return error(400, 'Invalid sort', sort);
			found = [...found].sort((a, b) => {
				for (const k of keys) {
					const d = k.startsWith('-') ? -1 : 1;
					const key = k.replace(/^-/, '');
					const x = key === 'id' ? a.id.localeCompare(b.id) : Date.parse(a[key]) - Date.parse(b[key]);
					if (x !== 0) return x * d;
				}
				return 0;
			});
		}
	}
	const offset = Number(params.get('offset') ?? 0);
	const limit = Number(params.get('limit') ?? 100);
	const page = found.slice(offset, offset + limit).map((t) => view(t, params.get('fields')));
	// partial content where the document has it (v4), else 200
	const partial = offset + page.length < found.length && spec.documents('GET', `${BASE}/troubleTicket`, 206);
	return { status: partial ? 206 : 200, body: page,
		headers: { 'x-total-count': String(found.length), 'x-result-count': String(page.length) } };
}

// ---------------------------------------------------------------- the API

function authorized(req) {
	const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
	return m !== null && Buffer.from(m[1], 'base64').toString('utf8') === `${args.login}:${PASSWORD}`;
}

// The answer to an API request, after its check against the document, and
// the event it causes ({status, body, headers?, after?}).
function api(method, url, ct, body) {
	const p = url.pathname.slice(BASE.length);
	if (p === '/troubleTicket' && method === 'POST') {
		const t = create(body);
		return { status: 201, body: view(t), after: () => notify('TroubleTicketCreateEvent', t) };
	}
	if (p === '/troubleTicket' && method === 'GET') return list(url.searchParams);
	if (p === '/hub' && method === 'POST') {
		const hub = typed({ id: randomUUID(), callback: body.callback, ...(body.query ? { query: body.query } : {}) }, 'Hub');
		hubs.push(hub);
		log('hub', { id: hub.id, callback: hub.callback });
		return { status: 201, body: hub };
	}
	const h = /^\/hub\/([^/]+)$/.exec(p);
	if (h) {
		const i = hubs.findIndex((x) => x.id === decodeURIComponent(h[1]));
		if (i < 0) return error(404, 'Not found', 'no such hub');
		if (method === 'GET') return { status: 200, body: hubs[i] };
		hubs.splice(i, 1);
		return { status: 204 };
	}
	const m = /^\/troubleTicket\/([^/]+)$/.exec(p);
	const t = m && tickets.find((x) => x.id === decodeURIComponent(m[1]));
	if (!t) return error(404, 'Not found', 'no such trouble ticket');
	if (method === 'GET') return { status: 200, body: view(t, url.searchParams.get('fields')) };
	if (method === 'DELETE') {
		tickets.splice(tickets.indexOf(t), 1);
		return { status: 204, after: () => notify('TroubleTicketDeleteEvent', t) };
	}
	const r = ct.startsWith('application/json-patch+json') ? jsonPatch(t, body, stamp()) : merge(t, body, stamp());
	if (r.problems) return error(400, 'Invalid body', r.problems.join('; '));
	return { status: 200, body: view(t), after: () => changed(t, r) };
}

async function changed(t, r) {
	if (r.statusChanged) await notify('TroubleTicketStatusChangeEvent', t);
	if (r.changed.length) await notify('TroubleTicketAttributeValueChangeEvent', t, { fieldPath: r.changed.join(',') });
}

// ---------------------------------------------------------------- control

// POST /_sim/change: the seller's agent changes a ticket (by id, or by
// Keten's reference): {ticket, status?, reason?, note?: {text, author?},
// at?, notify?: false}.
async function agentChange(c) {
	const t = tickets.find((x) => x.id === c.ticket || x.externalId === c.ticket ||
		(x.externalIdentifier ?? []).some((e) => e.id === c.ticket));
	if (!t) return { status: 404, body: { error: `no ticket ${JSON.stringify(c.ticket)}` } };
	const change = {};
	if (c.status !== undefined) change.status = c.status;
	if (c.reason !== undefined) change.statusChangeReason = c.reason;
	if (c.note !== undefined) change.note = [{ author: 'NOC agent', ...c.note }];
	const r = merge(t, change, stamp(c.at));
	if (r.problems) return { status: 400, body: { error: r.problems.join('; ') } };
	if (c.notify !== false) await changed(t, r);
	return { status: 200, body: { ticket: view(t) } };
}

async function control(method, p, body) {
	if (method === 'GET') {
		const lists = { received, tickets, hubs, events, violations };
		const name = p.replace('/_sim/', '');
		return name in lists ? { status: 200, body: lists[name] } : { status: 404, body: { error: 'no such list' } };
	}
	if (method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
	const c = body ?? {};
	switch (p) {
	case '/_sim/reset':
		received = [];
		events = [];
		violations = [];
		return { status: 200, body: {} };
	case '/_sim/mode':
		if (c.mode === 'normal') mode = { mode: 'normal' };
		else if ((c.mode === 'status' && Number.isInteger(c.status) && c.status >= 200 && c.status <= 599) ||
			c.mode === 'hang') {
			mode = { mode: c.mode, status: c.status ?? null, retry_after: c.retry_after ?? null, apply: c.apply === true,
				count: Number.isInteger(c.count) ? c.count : Infinity, method: c.method ?? null };
		} else return { status: 400, body: { error: 'mode is normal, hang, or status with a status 200..599' } };
		return { status: 200, body: mode };
	case '/_sim/change':
		return agentChange(c);
	case '/_sim/hub': {
		const hub = typed({ id: randomUUID(), callback: c.callback }, 'Hub');
		hubs.push(hub);
		return { status: 201, body: hub };
	}
	case '/_sim/notify': {
		const t = tickets.find((x) => x.id === c.ticket);
		if (!t) return { status: 404, body: { error: 'no such ticket' } };
		await notify(c.eventType ?? 'TroubleTicketStatusChangeEvent', t);
		return { status: 200, body: events.at(-1) ?? null };
	}
	default:
		return { status: 404, body: { error: 'no such control' } };
	}
}

// ---------------------------------------------------------------- the server

async function serveApi(req, url, raw, rec) {
	const ct = req.headers['content-type'] ?? '';
	let body;
	if (raw !== '') {
		try { body = JSON.parse(raw); } catch { return error(400, 'Invalid body', 'the body is not JSON'); }
	}
	if (!url.pathname.startsWith(`${BASE}/`)) return error(404, 'Not found', `the API is under ${BASE}`);
	if (!authorized(req)) return error(401, 'Unauthorized', 'wrong login or password');
	rec.problems = spec.checkRequest({ method: req.method, url: url.pathname + url.search, headers: { 'content-type': ct }, body });
	if (rec.problems.length) return error(400, 'Invalid request', rec.problems.join('; '));
	if (mode.mode !== 'normal' && mode.count > 0 && (!mode.method || mode.method === req.method)) {
		mode.count--;
		const applied = mode.apply ? api(req.method, url, ct, body) : null;
		rec.applied = applied?.status ?? null;
		if (applied?.after) await applied.after();
		rec.simulated = true;
		// hang: the request took effect (with apply) and its answer never comes
		if (mode.mode === 'hang') return new Promise(() => {});
		return { ...error(mode.status, 'Simulated', 'the simulator was told to answer so'), retry_after: mode.retry_after };
	}
	const r = api(req.method, url, ct, body);
	if (r.after) await r.after();
	return r;
}

simServe(cl, log, async (req, url, raw) => {
	if (url.pathname.startsWith('/_sim/')) {
		let body = null;
		try { body = raw ? JSON.parse(raw) : null; } catch { return { status: 400, body: { error: 'not JSON' } }; }
		return control(req.method, url.pathname, body);
	}
	const rec = { at: Date.now(), method: req.method, path: url.pathname + url.search,
		headers: { ...req.headers }, body: raw ?? '', answered: null };
	delete rec.headers.authorization; // never keep the password
	received.push(rec);
	const r = raw === null ? error(413, 'Too large') : await serveApi(req, url, raw, rec);
	rec.answered = r.status;
	const contentType = spec.answerType(req.method, url.pathname, r.status);
	const problems = spec.checkResponse(req.method, url.pathname, r.status, r.body);
	if (problems.length && !rec.simulated) violations.push({ at: Date.now(), what: `answer ${r.status} to ${req.method} ${rec.path}`, problems });
	const headers = { ...(r.headers ?? {}) };
	if (r.retry_after !== undefined && r.retry_after !== null) headers['retry-after'] = String(r.retry_after);
	return { status: r.status, body: r.body, headers, contentType };
});
log('api', { version: args['api-version'], base: BASE });
