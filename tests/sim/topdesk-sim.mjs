#!/usr/bin/env node
// topdesk-sim.mjs - a TOPdesk for Keten's tests: the incident part of
// TOPdesk's REST API (/tas/api) as the facts of SUPPLIER-APIS.md section 4
// describe it, with its refusals (a briefDescription over 80 characters, a
// create without a caller, a wrong login or application password), lists
// that show only first- and second-line incidents unless all=true, FIQL
// queries, and an automated action that pushes changes to the broker. A
// /_sim/ control API plays the operator. Flags and API: tests/sim/README.md.

import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { simCommandLine, simControl, simLog, simServe, simPost } from './lib/sim-server.mjs';

const BODY_LIMIT = 1024 * 1024;
const BRIEF_MAX = 80; // characters: JavaScript's length counts UTF-16 units as Java does
const EXTERNAL_MAX = 60;
const PAGE_MAX = 10000;
const ACTIONS_PAGE = 10; // an incident's actions per page unless page_size says
const ACTIONS_MAX = 100;
const REF_FIELDS = ['callType', 'category', 'subcategory', 'entryType', 'operatorGroup',
	'operator', 'impact', 'urgency', 'priority'];
// The instance's processing statuses (a search list): {name} refs resolve here.
const PROCESSING = [
	{ id: 'ps-0001', name: 'Aangemeld' },
	{ id: 'ps-0002', name: 'In behandeling' },
	{ id: 'ps-0003', name: 'Wacht op klant' },
	{ id: 'ps-0004', name: 'Opgelost' },
	{ id: 'ps-0005', name: 'Gesloten' },
	{ id: 'ps-0006', name: 'Geannuleerd' },
];

const cl = simCommandLine('topdesk-sim', [
	'usage: topdesk-sim.mjs --cert FILE --tls-key FILE [--listen HOST:PORT] [--port-file FILE]',
	'         [--login NAME] [--operator-id ID] [--key SUPPLIER] [--broker-url URL --broker-ca FILE]',
	'         [--push-header NAME]',
	'  the application password comes from SIM_PASSWORD (default "secret"),',
	'  the push token from SIM_PUSH_TOKEN',
], {
	login: { type: 'string', default: 'keten' },
	'operator-id': { type: 'string', default: '0be7a70e-0000-4000-8000-000000000001' },
	key: { type: 'string', default: 'topdesk' },
	'broker-url': { type: 'string' },
	'broker-ca': { type: 'string' },
	'push-header': { type: 'string', default: 'x-keten-token' },
});
const { args } = cl;
const broker = args['broker-url'] ? new URL(args['broker-url']) : null;
if (broker && broker.protocol !== 'https:') cl.fail('--broker-url must be https://');
if (broker && !args['broker-ca']) cl.fail('--broker-url needs --broker-ca');
const PASSWORD = process.env.SIM_PASSWORD ?? 'secret';
const PUSH_TOKEN = process.env.SIM_PUSH_TOKEN ?? '';
const US = { id: args['operator-id'], name: args.login };
const OPERATOR = { id: '0be7a70e-0000-4000-8000-00000000f00d', name: 'Operator Ops' };
let brokerCa;
try {
	brokerCa = broker ? fs.readFileSync(args['broker-ca']) : null;
} catch (e) {
	cl.fail(e.message);
}

const log = simLog('topdesk');

// ---------------------------------------------------------------- state

const incidents = []; // in creation order
let received = []; // every /tas/api request
let mode = { mode: 'normal', status: null, retry_after: null };
let seq = 0;
let lastMs = 0;

// TOPdesk writes dates as "2026-11-25T19:40:00.000+0000".
const topdeskDate = (ms) => new Date(ms).toISOString().replace('Z', '+0000');
const parseDate = (s) => Date.parse(String(s).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
// A modification time: now, later than any before, unless a test sets one
// (and then the ones after it come later still, as TOPdesk's clock would).
function stamp(at) {
	if (at !== undefined) {
		const ms = parseDate(at);
		lastMs = Math.max(lastMs, ms);
		return ms;
	}
	lastMs = Math.max(Date.now(), lastMs + 1);
	return lastMs;
}

const errors = (status, ...messages) => ({ status, body: messages.map((message) => ({ message })) });

function resolveRef(field, ref) {
	if (ref === null || typeof ref !== 'object' || (typeof ref.id !== 'string' && typeof ref.name !== 'string')) {
		return { error: `${field} must be an object with an id or a name` };
	}
	if (field !== 'processingStatus') return { value: { id: ref.id ?? null, name: ref.name ?? null } };
	const found = PROCESSING.find((p) => p.id === ref.id || p.name === ref.name);
	return found ? { value: { ...found } } : { error: `unknown processing status ${JSON.stringify(ref)}` };
}

function view(inc, fields) {
	const { actions, created, ...rest } = inc;
	const out = { ...rest, creationDate: topdeskDate(created), modificationDate: topdeskDate(inc.modified) };
	delete out.modified;
	if (!fields) return out;
	return Object.fromEntries(fields.filter((f) => f in out).map((f) => [f, out[f]]));
}

function addAction(inc, text, invisible, by, at) {
	const action = {
		id: randomUUID(), memoText: text,
		plainText: text.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '')
			.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'),
		invisibleForCaller: invisible, entryDate: topdeskDate(at), operator: { ...by }, person: null,
	};
	inc.actions.unshift(action); // newest first
	return action;
}

// Applies the members of body TOPdesk lets an operator write: the problems
// found (nothing applied then), else the action it added (or null).
function apply(inc, body, by, at) {
	const problems = [];
	const set = {};
	if ('briefDescription' in body) {
		if (typeof body.briefDescription !== 'string') problems.push('briefDescription must be a string');
		else if (body.briefDescription.length > BRIEF_MAX) problems.push(`briefDescription is longer than ${BRIEF_MAX} characters`);
		else set.briefDescription = body.briefDescription;
	}
	for (const field of [...REF_FIELDS, 'processingStatus']) {
		if (!(field in body)) continue;
		const r = resolveRef(field, body[field]);
		if (r.error) problems.push(r.error);
		else set[field] = r.value;
	}
	for (const flag of ['completed', 'closed']) {
		if (flag in body && typeof body[flag] !== 'boolean') problems.push(`${flag} must be true or false`);
		else if (flag in body) set[flag] = body[flag];
	}
	if ('action' in body && typeof body.action !== 'string') problems.push('action must be a string');
	if (problems.length) return { problems };
	Object.assign(inc, set);
	if (set.closed === true) inc.completed = true;
	if (set.completed === false) inc.closed = false;
	inc.modified = at;
	inc.modifier = { ...by };
	const action = typeof body.action === 'string' && body.action !== ''
		? addAction(inc, body.action, body.actionInvisibleForCaller === true, by, at) : null;
	return { action };
}

function create(body) {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return errors(400, 'the body must be a JSON object');
	const callerId = body.callerLookup?.id;
	const dynamic = body.caller?.dynamicName;
	if (typeof callerId !== 'string' && typeof dynamic !== 'string') {
		return errors(400, 'a caller is required: callerLookup or caller.dynamicName');
	}
	if (body.externalNumber !== undefined &&
	    (typeof body.externalNumber !== 'string' || body.externalNumber.length > EXTERNAL_MAX)) {
		return errors(400, `externalNumber must be a string of at most ${EXTERNAL_MAX} characters`);
	}
	const at = stamp();
	const inc = {
		id: randomUUID(), number: `I 2611 ${String(seq + 1).padStart(3, '0')}`, status: 'firstLine',
		briefDescription: '', request: typeof body.request === 'string' ? body.request : '',
		externalNumber: body.externalNumber ?? '',
		caller: callerId ? { id: callerId, dynamicName: null } : { id: null, dynamicName: dynamic, email: body.caller.email ?? null },
		processingStatus: { ...PROCESSING[0] }, completed: false, closed: false,
		modifier: { ...US }, created: at, modified: at, actions: [],
	};
	for (const f of REF_FIELDS) inc[f] = null;
	const r = apply(inc, body, US, at);
	if (r.problems) return errors(400, ...r.problems);
	seq++;
	incidents.push(inc);
	return { status: 201, body: view(inc) };
}

// ---------------------------------------------------------------- FIQL

const OPS = ['=gt=', '=ge=', '=lt=', '=le=', '!=', '=='];
const QUERY_FIELDS = { externalNumber: 'string', number: 'string', id: 'string', modificationDate: 'date', creationDate: 'date' };

// The FIQL query (clauses joined by ';') as a predicate, or {error}.
function fiql(query) {
	const tests = [];
	for (const clause of query.split(';')) {
		const op = OPS.find((o) => clause.includes(o));
		if (!op) return { error: `cannot read the query clause ${JSON.stringify(clause)}` };
		const [field, value] = [clause.slice(0, clause.indexOf(op)), clause.slice(clause.indexOf(op) + op.length)];
		const kind = QUERY_FIELDS[field];
		if (!kind) return { error: `the query cannot filter on ${JSON.stringify(field)}` };
		const want = kind === 'date' ? parseDate(value) : value;
		if (kind === 'date' && value !== 'null' && Number.isNaN(want)) return { error: `${JSON.stringify(value)} is not a date` };
		tests.push((inc) => {
			const got = field === 'modificationDate' ? inc.modified : field === 'creationDate' ? inc.created : inc[field];
			if (value === 'null') return op === '==' ? !got : !!got;
			switch (op) {
			case '==': return got === want;
			case '!=': return got !== want;
			case '=gt=': return got > want;
			case '=ge=': return got >= want;
			case '=lt=': return got < want;
			default: return got <= want;
			}
		});
	}
	return { match: (inc) => tests.every((t) => t(inc)) };
}

function list(params) {
	let found = incidents.filter((i) => params.get('all') === 'true' || ['firstLine', 'secondLine'].includes(i.status));
	if (params.has('query')) {
		const q = fiql(params.get('query'));
		if (q.error) return errors(400, q.error);
		found = found.filter(q.match);
	}
	const sort = params.get('sort');
	if (sort) {
		const m = /^(modificationDate|creationDate):(asc|desc)$/.exec(sort);
		if (!m) return errors(400, `cannot sort by ${JSON.stringify(sort)}`);
		const key = m[1] === 'modificationDate' ? 'modified' : 'created';
		found = found.map((inc, i) => [inc, i]).sort((a, b) => (a[0][key] - b[0][key] || a[1] - b[1]) * (m[2] === 'asc' ? 1 : -1)).map((x) => x[0]);
	}
	const start = Number(params.get('pageStart') ?? 0);
	const size = Number(params.get('pageSize') ?? 10);
	if (!Number.isInteger(start) || start < 0 || !Number.isInteger(size) || size < 1 || size > PAGE_MAX) {
		return errors(400, `pageStart must be 0 or more and pageSize 1 to ${PAGE_MAX}`);
	}
	const fields = params.get('fields') ? params.get('fields').split(',') : null;
	const page = found.slice(start, start + size).map((inc) => view(inc, fields));
	if (page.length === 0) return { status: 204 };
	return { status: start + size < found.length ? 206 : 200, body: page };
}

// ---------------------------------------------------------------- the API

function authorized(req) {
	const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
	return m !== null && Buffer.from(m[1], 'base64').toString('utf8') === `${args.login}:${PASSWORD}`;
}

function api(method, url, body) {
	const p = url.pathname.replace(/^\/tas\/api\//, '');
	if (method === 'GET' && p === 'version') return { status: 200, body: { version: '3.5.0' } };
	if (p === 'incidents' || p === 'incidents/') {
		if (method === 'POST') return body.error ? errors(400, body.error) : create(body.value);
		if (method === 'GET') return list(url.searchParams);
		return errors(405, 'method not allowed');
	}
	const m = /^incidents\/(id|number)\/([^/]+)(\/actions)?$/.exec(p);
	if (!m) return errors(404, 'no such resource');
	const key = decodeURIComponent(m[2]);
	const inc = incidents.find((i) => (m[1] === 'id' ? i.id : i.number) === key);
	if (!inc) return errors(404, `no incident with ${m[1]} ${JSON.stringify(key)}`);
	if (m[3]) {
		if (method !== 'GET') return errors(405, 'method not allowed');
		// newest first, `page_size` (default 10, at most 100) from `start`
		const start = Number(url.searchParams.get('start') ?? 0);
		const size = Number(url.searchParams.get('page_size') ?? ACTIONS_PAGE);
		if (!Number.isInteger(start) || start < 0 || !Number.isInteger(size) || size < 1 || size > ACTIONS_MAX) {
			return errors(400, `start must be 0 or more and page_size 1 to ${ACTIONS_MAX}`);
		}
		const page = inc.actions.slice(start, start + size);
		return page.length ? { status: 200, body: page } : { status: 204 };
	}
	if (method === 'GET') return { status: 200, body: view(inc) };
	if (method !== 'PATCH' && method !== 'PUT') return errors(405, 'method not allowed');
	if (body.error) return errors(400, body.error);
	if (body.value === null || typeof body.value !== 'object' || Array.isArray(body.value)) {
		return errors(400, 'the body must be a JSON object');
	}
	const r = apply(inc, body.value, US, stamp());
	return r.problems ? errors(400, ...r.problems) : { status: 200, body: view(inc) };
}

// ---------------------------------------------------------------- the push

// The body of adapters/topdesk.md "Push": the incident's state, and the
// action just added when there is one.
function pushBody(inc, action) {
	const body = view(inc, ['id', 'number', 'externalNumber', 'modificationDate', 'processingStatus',
		'completed', 'closed', 'modifier']);
	if (action) body.action = action;
	return body;
}

async function push(body, token) {
	if (!broker) return { error: 'no --broker-url given' };
	const r = await simPost(new URL(`/v1/inbound/${encodeURIComponent(args.key)}`, broker), body, {
		ca: brokerCa, headers: { [args['push-header']]: token ?? PUSH_TOKEN },
		raw: typeof body === 'string' ? body : undefined });
	return r.error ? { error: r.error } : { status: r.status, body: r.body };
}

// POST /_sim/change: an operator's change of an incident (by id, number or
// externalNumber), then the automated action's push unless push is false.
async function operatorChange(c) {
	const inc = incidents.find((i) => [i.id, i.number, i.externalNumber].includes(c.incident));
	if (!inc) return { status: 404, body: { error: `no incident ${JSON.stringify(c.incident)}` } };
	const by = c.operator ?? OPERATOR;
	const change = {};
	if (c.processingStatus !== undefined) change.processingStatus = { name: c.processingStatus };
	for (const k of ['completed', 'closed', 'briefDescription']) if (c[k] !== undefined) change[k] = c[k];
	if (c.line !== undefined) inc.status = c.line;
	if (c.action !== undefined) {
		// what an operator types is text: TOPdesk keeps it as its HTML
		change.action = String(c.action).replace(/&/g, '&amp;').replace(/</g, '&lt;')
			.replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '<br>');
		change.actionInvisibleForCaller = c.invisible === true;
	}
	const r = apply(inc, change, by, stamp(c.at));
	if (r.problems) return { status: 400, body: { error: r.problems.join('; ') } };
	const out = { incident: view(inc), action: r.action };
	if (c.push !== false && broker) out.push = await push(pushBody(inc, r.action), c.token);
	log('change', { incident: inc.number, by: by.name, pushed: out.push?.status ?? null });
	return { status: 200, body: out };
}

function reset() {
	const n = received.length;
	received = [];
	return n;
}

async function control(method, p, body) {
	const { answer, c } = simControl(method, p, body, { reset, lists: {
		received: () => received,
		incidents: () => incidents.map((i) => ({ ...view(i), actions: i.actions })),
	} });
	if (answer) return answer;
	switch (p) {
	case '/_sim/mode':
		if (c.count !== undefined && !(Number.isInteger(c.count) && c.count > 0)) {
			return { status: 400, body: { error: 'count must be a whole number above 0' } };
		}
		if (c.method !== undefined && !['GET', 'POST', 'PATCH', 'PUT'].includes(c.method)) {
			return { status: 400, body: { error: 'method is GET, POST, PATCH or PUT' } };
		}
		if (c.mode === 'normal') mode = { mode: 'normal', status: null, retry_after: null };
		else if (c.mode === 'status' && Number.isInteger(c.status) && c.status >= 200 && c.status <= 599) {
			mode = { mode: 'status', status: c.status, retry_after: c.retry_after ?? null, apply: c.apply === true,
				count: c.count ?? null, method: c.method ?? null };
		} else if (c.mode === 'hang') {
			mode = { mode: 'hang', apply: c.apply === true, count: c.count ?? null, method: c.method ?? null };
		} else return { status: 400, body: { error: 'mode is normal, hang, or status with a status 200..599' } };
		return { status: 200, body: mode };
	case '/_sim/change':
		return operatorChange(c);
	case '/_sim/push': {
		const r = await push(c.raw ?? c.body, c.token);
		return r.error ? { status: 502, body: r } : { status: 200, body: r };
	}
	default:
		return { status: 404, body: { error: 'no such control' } };
	}
}

// ---------------------------------------------------------------- the server

// The mode of the next API request (of method): a mode given a method
// holds for requests of that method only, one given a count for that many
// requests, then the simulator answers normally again.
function currentMode(method) {
	const m = mode;
	if (m.mode !== 'normal' && m.method && m.method !== method) return { mode: 'normal' };
	if (m.mode !== 'normal' && m.count !== null && --m.count <= 0) {
		mode = { mode: 'normal', status: null, retry_after: null };
	}
	return m;
}

// What an answer r sends: its Retry-After as a header.
const sent = (r) => ({ status: r.status, body: r.body,
	headers: r.retry_after !== undefined && r.retry_after !== null ? { 'retry-after': String(r.retry_after) } : {} });

simServe(cl, log, async (req, url, raw) => {
	let body = { value: null };
	if (raw === null) body = { error: 'body too large' };
	else if (raw !== '') {
		try { body = { value: JSON.parse(raw) }; } catch { body = { error: 'the body is not JSON' }; }
	}
	if (url.pathname.startsWith('/_sim/')) return sent(await control(req.method, url.pathname, body));
	const rec = { at: Date.now(), method: req.method, path: url.pathname + url.search,
		headers: { ...req.headers }, body: raw ?? '', json: body.value, answered: null };
	delete rec.headers.authorization; // never keep the password
	received.push(rec);
	let r;
	if (!url.pathname.startsWith('/tas/api/')) r = errors(404, 'no such resource');
	else if (!authorized(req)) r = errors(401, 'login name or application password is wrong');
	else {
		const m = currentMode(req.method);
		// mode status: answered so; hang: never answered; with apply,
		// after the request took effect
		if (m.mode === 'normal' || m.apply) r = api(req.method, url, body);
		if (m.mode === 'hang') {
			rec.applied = r?.status ?? null;
			return new Promise(() => {});
		}
		if (m.mode === 'status') {
			rec.applied = r?.status ?? null;
			r = { ...errors(m.status, 'the simulator was told to answer so'), retry_after: m.retry_after };
		}
	}
	rec.answered = r.status;
	return sent(r);
}, { limit: BODY_LIMIT, fields: { login: args.login, broker: broker ? broker.origin : null, key: args.key } });
