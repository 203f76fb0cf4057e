#!/usr/bin/env node
// servicenow-sim.mjs - an HTTPS ServiceNow instance, small, for Keten's
// `servicenow` adapter tests. It behaves as /work/shared/specs/SUPPLIER-APIS.md
// section 2 says: the Table API (GET/POST/PATCH/PUT/DELETE, v1 and v2 lists,
// sysparm_query), journal fields kept in sys_journal_field, the catalog's
// order_now, its error JSON and refusals (400 without Accept/Content-Type,
// 403 for a resolve without close_code/close_notes or an On Hold without a
// reason, 429 with Retry-After and X-RateLimit-*), and pushes to the broker
// the way adapters/servicenow.md's business rules do. Flags and the /_sim/
// control API: tests/sim/README.md.

import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { simCommandLine, simLog, simListen, simPost, simReadBody, simSend } from './lib/sim-server.mjs';

const BODY_LIMIT = 4 * 1024 * 1024;
const TASK_TABLES = { incident: 'INC', change_request: 'CHG', problem: 'PRB', sc_request: 'REQ', sc_req_item: 'RITM' };
const FIRST_STATE = { incident: '1', change_request: '-5', problem: '101', sc_request: '1', sc_req_item: '1' };
const JOURNAL_FIELDS = ['comments', 'work_notes'];
// The choice lists `keten supplier check` reads (sys_choice): incident's as
// SUPPLIER-APIS.md section 2 gives them, the others this simulator's own.
const CHOICES = {
	incident: { state: ['1', '2', '3', '6', '7', '8'], hold_reason: ['1', '3', '4', '5'],
		close_code: ['Solved (Work Around)', 'Solved (Permanently)', 'Solved Remotely (Work Around)',
			'Solved Remotely (Permanently)', 'Not Solved (Not Reproducible)', 'Not Solved (Too Costly)',
			'Closed/Resolved by Caller'] },
	change_request: { state: ['-5', '-4', '-3', '-2', '-1', '0', '3', '4'],
		close_code: ['successful', 'successful_issues', 'unsuccessful'] },
	problem: { state: ['101', '102', '103', '104', '106', '107'] },
	task: { state: ['-5', '1', '2', '3', '4', '7'] },
};
const PUSH_FIELDS = ['sys_id', 'sys_class_name', 'number', 'state', 'hold_reason', 'correlation_id',
	'correlation_display', 'sys_updated_on', 'sys_updated_by', 'sys_mod_count'];

// ---------------------------------------------------------------- options

const cl = simCommandLine('servicenow-sim', [
	'usage: servicenow-sim.mjs --cert FILE --tls-key FILE [--listen HOST:PORT] [--port-file FILE]',
	'         [--user NAME] [--password TEXT] [--display TEXT] [--catalog-item SYS_ID ...]',
	'         [--key SUPPLIER --broker-url URL --broker-ca FILE [--token TEXT] [--push]]',
	'  the password may come from SIM_PASSWORD, the push token from SIM_TOKEN',
], {
	user: { type: 'string', default: 'svc.keten' },
	display: { type: 'string', default: 'Keten' },
	password: { type: 'string' },
	'catalog-item': { type: 'string', multiple: true, default: [] },
	key: { type: 'string' },
	'broker-url': { type: 'string' },
	'broker-ca': { type: 'string' },
	token: { type: 'string' },
	push: { type: 'boolean', default: false },
});
const { args } = cl;
const usage = cl.fail;
const API_USER = args.user;
const DISPLAY = args.display;
const PASSWORD = args.password ?? process.env.SIM_PASSWORD ?? null;
for (const id of args['catalog-item']) if (!/^[0-9a-f]{32}$/.test(id)) usage(`--catalog-item ${id} is not a sys_id`);
const CATALOG = new Set(args['catalog-item']);
const TOKEN = args.token ?? process.env.SIM_TOKEN ?? null;
let BROKER_URL = null;
let BROKER_CA = null;
if (args['broker-url']) {
	try {
		BROKER_URL = new URL(args['broker-url']);
	} catch {
		usage('--broker-url is not a URL');
	}
	if (BROKER_URL.protocol !== 'https:') usage('--broker-url must be https://');
	if (!args['broker-ca'] || !args.key || !TOKEN) usage('--broker-url needs --broker-ca, --key and a token (--token or SIM_TOKEN)');
	try {
		BROKER_CA = fs.readFileSync(args['broker-ca']);
	} catch (e) {
		usage(`--broker-ca: ${e.message}`);
	}
}
if (args.push && !BROKER_URL) usage('--push needs --broker-url');
const log = simLog('servicenow');

// ---------------------------------------------------------------- state

const tables = new Map(); // table -> Map sys_id -> record (all values strings)
const journal = []; // sys_journal_field rows
const orders = new Map(); // sc_request sys_id -> {item, vars} of its order
let received = []; // every API request
const numbers = new Map(); // table -> last number
let pushOn = args.push;
let pushesSent = 0;
let mode = { mode: 'normal' };
let rateLimit = null; // {count, retry_after, limit}
const pushQueue = [];
let pushing = false;
const hung = new Set();

function sysId() {
	return randomBytes(16).toString('hex');
}

// "YYYY-MM-DD HH:MM:SS", UTC, as ServiceNow stores dates.
function snNow() {
	return new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

function table(name) {
	if (!tables.has(name)) tables.set(name, new Map());
	return tables.get(name);
}

function nextNumber(name) {
	const n = (numbers.get(name) ?? 10000) + 1;
	numbers.set(name, n);
	return `${TASK_TABLES[name]}${String(n).padStart(7, '0')}`;
}

// The default priority lookup rules (impact x urgency, 1..3 each).
function priorityOf(rec) {
	const i = Number(rec.impact || 3);
	const u = Number(rec.urgency || 3);
	return String(Math.min(5, Math.max(1, i + u - 1)));
}

// ---------------------------------------------------------------- errors

class SnError extends Error {
	constructor(status, message, detail = null) {
		super(message);
		this.status = status;
		this.detail = detail;
	}
}

function errorBody(message, detail) {
	return { error: { message, detail }, status: 'failure' };
}

// ---------------------------------------------------------------- records

// Values the Table API takes: strings; a journal field appends an entry.
function applyFields(name, rec, fields, user) {
	const journalText = {};
	for (const [k, v] of Object.entries(fields)) {
		if (k.startsWith('sys_') || k === 'number' || k === 'priority') continue; // read-only
		const value = v === null ? '' : typeof v === 'object' ? String(v.value ?? '') : String(v);
		if (JOURNAL_FIELDS.includes(k)) {
			if (value !== '') journalText[k] = value;
			continue;
		}
		rec[k] = value;
	}
	if (TASK_TABLES[name] && name !== 'sc_request' && name !== 'sc_req_item') rec.priority = priorityOf(rec);
	checkPolicies(name, rec, fields);
	return journalText;
}

// The refusals of SUPPLIER-APIS.md section 2: ServiceNow answers a data
// policy violation with 403 and its error JSON.
function checkPolicies(name, rec, fields) {
	if (name !== 'incident' || fields.state === undefined) return;
	const state = String(fields.state);
	if ((state === '6' || state === '7') && (!rec.close_code || !rec.close_notes)) {
		const missing = [!rec.close_code && 'Resolution code', !rec.close_notes && 'Resolution notes'].filter(Boolean);
		throw new SnError(403, 'Operation Failed', `Data Policy Exception: \n\t${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} mandatory\n`);
	}
	if (state === '3' && !rec.hold_reason) {
		throw new SnError(403, 'Operation Failed', 'Data Policy Exception: \n\tOn hold reason is mandatory\n');
	}
}

function addJournal(name, rec, texts, user, when) {
	for (const element of JOURNAL_FIELDS) {
		if (texts[element] === undefined) continue;
		const entry = { sys_id: sysId(), element, element_id: rec.sys_id, name, value: texts[element],
			sys_created_on: when, sys_created_by: user };
		journal.push(entry);
		if (rec.correlation_display === DISPLAY && user !== API_USER) queuePush({ feed: 'journal', result: [entry] });
	}
}

function insert(name, fields, user) {
	const when = snNow();
	const rec = { sys_id: sysId(), sys_class_name: name, sys_created_on: when, sys_created_by: user,
		sys_updated_on: when, sys_updated_by: user, sys_mod_count: '0', comments: '', work_notes: '' };
	if (TASK_TABLES[name]) {
		Object.assign(rec, { number: nextNumber(name), state: FIRST_STATE[name], impact: '3', urgency: '3',
			hold_reason: '', close_code: '', close_notes: '', correlation_id: '', correlation_display: '' });
	}
	const texts = applyFields(name, rec, fields, user);
	table(name).set(rec.sys_id, rec);
	pushRecord(rec);
	addJournal(name, rec, texts, user, when);
	return rec;
}

function update(name, rec, fields, user) {
	const next = { ...rec };
	const texts = applyFields(name, next, fields, user);
	const when = snNow();
	Object.assign(rec, next, { sys_updated_on: when, sys_updated_by: user,
		sys_mod_count: String(Number(rec.sys_mod_count) + 1) });
	pushRecord(rec);
	addJournal(name, rec, texts, user, when);
	return rec;
}

// The conditions of adapters/servicenow.md's business rules: Keten's own
// records only, and not the changes Keten itself made.
function pushRecord(rec) {
	if (!TASK_TABLES[rec.sys_class_name] || rec.correlation_display !== DISPLAY ||
	    rec.sys_updated_by === API_USER) return;
	const r = {};
	for (const f of PUSH_FIELDS) r[f] = rec[f] ?? '';
	queuePush({ feed: 'records', result: [r] });
}

// sys_journal_field, sys_choice and sc_cat_item as tables: their rows, read only.
function rows(name) {
	if (name === 'sys_journal_field') return journal;
	if (name === 'sys_choice') {
		return Object.entries(CHOICES).flatMap(([t, els]) => Object.entries(els).flatMap(([element, values]) =>
			values.map((value) => ({ sys_id: `${t}.${element}.${value}`, name: t, element, value, inactive: 'false' }))));
	}
	if (name === 'sc_cat_item') return [...CATALOG].map((id) => ({ sys_id: id, name: `Item ${id}`, active: 'true' }));
	if (name === 'task') {
		const all = [];
		for (const t of Object.keys(TASK_TABLES)) all.push(...table(t).values());
		return all;
	}
	return [...table(name).values()];
}

// ---------------------------------------------------------------- sysparm_query

// Encoded queries: conditions joined by ^ (AND) and ^OR (OR with the one
// before), ORDERBY<col> / ORDERBYDESC<col>; parts it cannot read are
// ignored, as ServiceNow does by default.
function parseQuery(q) {
	const groups = [];
	const order = [];
	for (const part of (q ?? '').split('^')) {
		if (part === '' || part.startsWith('NQ')) continue;
		if (part.startsWith('ORDERBYDESC')) { order.push({ col: part.slice(11), desc: true }); continue; }
		if (part.startsWith('ORDERBY')) { order.push({ col: part.slice(7), desc: false }); continue; }
		const isOr = part.startsWith('OR') && groups.length > 0 && /^OR[a-z]/.test(part);
		const cond = parseCond(isOr ? part.slice(2) : part);
		if (!cond) continue;
		if (isOr) groups[groups.length - 1].push(cond);
		else groups.push([cond]);
	}
	return { groups, order };
}

function parseCond(text) {
	const m = /^([a-z0-9_.]+?)(ISNOTEMPTY|ISEMPTY|STARTSWITH|ENDSWITH|NOT LIKE|LIKE|!=|>=|<=|=|>|<)(.*)$/s.exec(text);
	if (!m) return null;
	return { field: m[1], op: m[2], value: m[3] };
}

// Numbers (states, counts) as numbers, everything else (dates in their
// sortable form, sys_ids) as strings.
function compare(a, b) {
	const num = /^-?\d{1,15}$/;
	if (num.test(a) && num.test(b)) return Number(a) - Number(b);
	return a < b ? -1 : a > b ? 1 : 0;
}

function test(rec, c) {
	const v = String(rec[c.field] ?? '');
	switch (c.op) {
	case '=': return v === c.value;
	case '!=': return v !== c.value;
	case '>': return compare(v, c.value) > 0;
	case '>=': return compare(v, c.value) >= 0;
	case '<': return compare(v, c.value) < 0;
	case '<=': return compare(v, c.value) <= 0;
	case 'LIKE': return v.toLowerCase().includes(c.value.toLowerCase());
	case 'NOT LIKE': return !v.toLowerCase().includes(c.value.toLowerCase());
	case 'STARTSWITH': return v.startsWith(c.value);
	case 'ENDSWITH': return v.endsWith(c.value);
	case 'ISEMPTY': return v === '';
	case 'ISNOTEMPTY': return v !== '';
	}
	return false;
}

function select(name, params) {
	const { groups, order } = parseQuery(params.get('sysparm_query'));
	let list = rows(name).filter((r) => groups.every((g) => g.some((c) => test(r, c))));
	for (const [k, v] of params) {
		if (!k.startsWith('sysparm_')) list = list.filter((r) => String(r[k] ?? '') === v);
	}
	if (order.length > 0) {
		list.sort((a, b) => {
			for (const o of order) {
				const d = compare(String(a[o.col] ?? ''), String(b[o.col] ?? ''));
				if (d !== 0) return o.desc ? -d : d;
			}
			return 0;
		});
	}
	return list;
}

// A record as the Table API shows it: journal fields read back empty.
function view(rec, params) {
	const fields = (params.get('sysparm_fields') ?? '').split(',').filter(Boolean);
	const out = {};
	for (const [k, v] of Object.entries(rec)) {
		if (fields.length > 0 && !fields.includes(k)) continue;
		out[k] = JOURNAL_FIELDS.includes(k) ? '' : v;
	}
	for (const f of fields) if (!(f in out)) out[f] = '';
	return out;
}

// ---------------------------------------------------------------- pushes

function queuePush(body) {
	if (!pushOn) return;
	pushQueue.push(body);
	drainPushes();
}

async function drainPushes() {
	if (pushing) return;
	pushing = true;
	while (pushQueue.length > 0) {
		const r = await sendPush(JSON.stringify(pushQueue.shift()), TOKEN);
		pushesSent++;
		log('push', { status: r.status ?? null, error: r.error ?? null });
	}
	pushing = false;
}

// POSTs body to <broker>/v1/inbound/<key> with the token header, as the
// business rule's RESTMessageV2 does. Resolves {status, body} or {error}.
async function sendPush(body, token) {
	if (!BROKER_URL) return { error: 'no --broker-url given' };
	const r = await simPost(new URL(`/v1/inbound/${encodeURIComponent(args.key)}`, BROKER_URL), null, { ca: BROKER_CA,
		raw: body, headers: token !== null ? { 'x-keten-token': token } : {} });
	return r.error ? { error: `broker unreachable: ${r.error}` } : { status: r.status, body: r.body };
}

// ---------------------------------------------------------------- HTTP

const send = (res, status, body, headers) => simSend(res, { status, body, headers });

function parseJson(text) {
	try {
		const v = JSON.parse(text);
		return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
	} catch {
		return null;
	}
}

function authUser(req) {
	if (PASSWORD === null) return API_USER;
	const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
	const pair = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
	if (pair !== `${API_USER}:${PASSWORD}`) throw new SnError(401, 'User Not Authenticated', 'Required to provide Auth information');
	return API_USER;
}

function checkHeaders(req) {
	if (!/application\/json/i.test(req.headers.accept ?? '')) {
		throw new SnError(400, 'Request Accept header is missing or not application/json', null);
	}
	if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) &&
	    !/^application\/json/i.test(req.headers['content-type'] ?? '')) {
		throw new SnError(400, 'Request Content-Type header is missing or not application/json', null);
	}
}

function knownTable(name, forRead) {
	if (TASK_TABLES[name] || (forRead && ['task', 'sys_journal_field', 'sys_choice', 'sc_cat_item'].includes(name))) return;
	throw new SnError(400, `Invalid table ${name}`, null);
}

// GET sc_item_option_mtom, as an order lookup asks it: the requested
// items' variable options whose variable name, value and item the query
// names (sc_item_option.item_option_new.name=, sc_item_option.value=,
// request_item.cat_item=), with each item's request. Every order here has
// one item, whose request is the order's sc_request.
function orderOptions(params) {
	const want = {};
	for (const clause of (params.get('sysparm_query') ?? '').split('^')) {
		const eq = clause.indexOf('=');
		if (eq > 0) want[clause.slice(0, eq)] = clause.slice(eq + 1);
	}
	const name = want['sc_item_option.item_option_new.name'];
	const found = [...orders].filter(([, o]) => name !== undefined && o.vars[name] !== undefined &&
		String(o.vars[name]) === want['sc_item_option.value'] &&
		(want['request_item.cat_item'] === undefined || o.item === want['request_item.cat_item']));
	const plain = params.get('sysparm_exclude_reference_link') === 'true';
	return found.slice(0, Number(params.get('sysparm_limit') ?? 10000)).map(([sysId]) => ({
		'request_item.request': plain ? sysId : { link: `/api/now/table/sc_request/${sysId}`, value: sysId },
	}));
}

async function api(req, res, url, raw) {
	const user = authUser(req);
	checkHeaders(req);
	const body = raw === '' ? {} : parseJson(raw);
	if (body === null) throw new SnError(400, 'Exception while reading request', 'The payload is not valid JSON.');
	const params = url.searchParams;
	let m = /^\/api\/sn_sc\/servicecatalog\/items\/([^/]+)\/order_now$/.exec(url.pathname);
	if (m) {
		if (req.method !== 'POST') throw new SnError(405, 'Method not Supported', null);
		if (!CATALOG.has(m[1])) throw new SnError(400, 'Catalog Item not found', `No catalog item ${m[1]}`);
		const vars = body.variables && typeof body.variables === 'object' ? body.variables : {};
		const rec = insert('sc_request', { short_description: vars.short_description ?? '', description: vars.details ?? '',
			special_instructions: JSON.stringify(vars) }, user);
		orders.set(rec.sys_id, { item: m[1], vars });
		return send(res, 200, { result: { sys_id: rec.sys_id, number: rec.number, request_number: rec.number,
			request_id: rec.sys_id, table: 'sc_request' } });
	}
	m = /^\/api\/now\/(v[12]\/)?table\/([a-z0-9_]+)(?:\/([^/]+))?$/.exec(url.pathname);
	if (!m) throw new SnError(400, 'Requested URI does not represent any resource', url.pathname);
	if (m[2] === 'sc_item_option_mtom' && !m[3] && req.method === 'GET') return send(res, 200, { result: orderOptions(params) });
	const [, version, name, id] = m;
	knownTable(name, req.method === 'GET');
	if (!id) {
		if (req.method === 'POST') {
			const rec = insert(name, body, user);
			return send(res, 201, { result: view(rec, params) }, { location: `/api/now/table/${name}/${rec.sys_id}` });
		}
		if (req.method !== 'GET') throw new SnError(405, 'Method not Supported', null);
		const all = select(name, params);
		const offset = Number(params.get('sysparm_offset') ?? 0);
		const limit = Number(params.get('sysparm_limit') ?? 10000);
		const page = all.slice(offset, offset + limit).map((r) => view(r, params));
		if (page.length === 0 && version !== 'v2/') {
			throw new SnError(404, 'No Record found', 'Records matching query not found. Check query parameter or offset parameter');
		}
		return send(res, 200, { result: page }, { 'x-total-count': String(all.length) });
	}
	const rec = rows(name).find((r) => r.sys_id === id);
	if (!rec) throw new SnError(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
	switch (req.method) {
	case 'GET':
		return send(res, 200, { result: view(rec, params) });
	case 'PATCH':
	case 'PUT':
		update(rec.sys_class_name, rec, body, user);
		return req.headers['x-no-response-body'] === 'true' ? send(res, 204) : send(res, 200, { result: view(rec, params) });
	case 'DELETE':
		table(rec.sys_class_name).delete(id);
		return send(res, 204);
	}
	throw new SnError(405, 'Method not Supported', null);
}

// ---------------------------------------------------------------- control API

function findRecord(q) {
	for (const name of q.table ? [q.table] : Object.keys(TASK_TABLES)) {
		for (const rec of table(name).values()) {
			if ((q.sys_id && rec.sys_id === q.sys_id) || (q.correlation_id && rec.correlation_id === q.correlation_id) ||
			    (q.number && rec.number === q.number)) return rec;
		}
	}
	return null;
}

async function control(req, res, url, raw) {
	const body = req.method === 'POST' ? parseJson(raw === '' ? '{}' : raw) : {};
	if (body === null) return send(res, 400, { error: 'body must be a JSON object' });
	const route = `${req.method} ${url.pathname}`;
	switch (route) {
	case 'GET /_sim/received':
		return send(res, 200, received);
	case 'GET /_sim/records': {
		const name = url.searchParams.get('table');
		return send(res, 200, name ? rows(name) : rows('task'));
	}
	case 'GET /_sim/journal':
		return send(res, 200, journal);
	case 'POST /_sim/reset': {
		const n = received.length;
		received = [];
		return send(res, 200, { cleared: n });
	}
	case 'POST /_sim/change': {
		// A change made as a supplier user would make it in the form.
		const rec = findRecord(body);
		if (!rec) return send(res, 404, { error: 'no such record' });
		const fields = { ...(body.fields ?? {}) };
		if (body.comment !== undefined) fields.comments = body.comment;
		if (body.work_note !== undefined) fields.work_notes = body.work_note;
		try {
			update(rec.sys_class_name, rec, fields, body.user ?? 'beth.anglin');
		} catch (e) {
			if (e instanceof SnError) return send(res, e.status, errorBody(e.message, e.detail));
			throw e;
		}
		return send(res, 200, rec);
	}
	case 'POST /_sim/push':
		if (typeof body.on !== 'boolean') return send(res, 400, { error: 'want {"on": true|false}' });
		if (body.on && !BROKER_URL) return send(res, 400, { error: 'no --broker-url given' });
		pushOn = body.on;
		return send(res, 200, { on: pushOn, sent: pushesSent });
	case 'GET /_sim/push':
		return send(res, 200, { on: pushOn, sent: pushesSent, queued: pushQueue.length });
	case 'POST /_sim/send': {
		// One push as it is: {"raw"} or {"body"}, with {"token"} (null: none).
		const text = typeof body.raw === 'string' ? body.raw : JSON.stringify(body.body ?? {});
		const r = await sendPush(text, body.token === undefined ? TOKEN : body.token);
		return send(res, r.error ? 502 : 200, r);
	}
	case 'POST /_sim/ratelimit':
		if (!Number.isInteger(body.count) || body.count < 0) return send(res, 400, { error: 'want {"count": n}' });
		rateLimit = body.count === 0 ? null : { count: body.count, retry_after: body.retry_after ?? 1, limit: body.limit ?? 100 };
		return send(res, 200, { rate_limit: rateLimit });
	case 'POST /_sim/mode':
		if (!['normal', 'hang', 'status'].includes(body.mode)) return send(res, 400, { error: 'mode: normal, hang or status' });
		if (body.mode === 'status' && !(Number.isInteger(body.status) && body.status >= 200 && body.status <= 599)) {
			return send(res, 400, { error: 'status 200..599' });
		}
		if (body.method !== undefined && !['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(body.method)) {
			return send(res, 400, { error: 'method: GET, POST, PATCH, PUT or DELETE' });
		}
		mode = { mode: body.mode, status: body.status ?? null, apply: body.apply === true, count: body.count ?? null,
			method: body.method ?? null };
		return send(res, 200, mode);
	}
	return send(res, 404, { error: `no control route ${route}` });
}

// ---------------------------------------------------------------- server

// The mode that answers the next API request (of method): normal, a fixed
// status, or hang (with apply: the request takes effect, the answer never
// comes); a mode given a method holds for requests of that method only.
function currentMode(method) {
	if (mode.mode !== 'normal' && mode.method && mode.method !== method) return { mode: 'normal' };
	if (mode.mode !== 'normal' && mode.count !== null && mode.count-- <= 0) mode = { mode: 'normal' };
	return mode;
}

// A response that only notes what would have been answered (hang + apply).
function noteOnly(record) {
	return { headersSent: false, destroyed: false, writeHead(status) { record.applied = status; }, end() {} };
}

async function callApi(req, res, url, raw, record) {
	try {
		await api(req, res, url, raw);
	} catch (e) {
		if (!(e instanceof SnError)) throw e;
		send(res, e.status, errorBody(e.message, e.detail));
	}
	if (res.statusCode) record.answered = res.statusCode;
}

function answerRateLimited(res, record) {
	const reset = Math.floor(Date.now() / 1000) + rateLimit.retry_after;

	rateLimit.count -= 1;
	record.answered = 429;
	send(res, 429, errorBody('Rate limit exceeded', 'Too many requests; the limit resets later'), {
		'retry-after': String(rateLimit.retry_after), 'x-ratelimit-limit': String(rateLimit.limit),
		'x-ratelimit-reset': String(reset), 'x-ratelimit-rule': 'keten-sim' });
	if (rateLimit.count <= 0) rateLimit = null;
}

async function handle(req, res) {
	const url = new URL(req.url, 'https://sim.invalid');
	const raw = await simReadBody(req, BODY_LIMIT);
	if (raw === null) return send(res, 413, errorBody('Request entity too large', null));
	if (url.pathname.startsWith('/_sim/')) return control(req, res, url, raw);
	const record = { at: Date.now(), method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
		headers: req.headers, body: raw, json: parseJson(raw), answered: null };
	received.push(record);
	if (rateLimit) return answerRateLimited(res, record);
	const m = currentMode(req.method);
	if (m.mode === 'status') {
		record.answered = m.status;
		return send(res, m.status, errorBody('Simulated failure', `status ${m.status}`));
	}
	if (m.mode === 'hang') {
		hung.add(res);
		res.on('close', () => hung.delete(res));
		return m.apply ? callApi(req, noteOnly(record), url, raw, {}) : undefined;
	}
	return callApi(req, res, url, raw, record);
}

simListen(cl, log, (req, res) => {
	handle(req, res).catch((e) => {
		log('error', { message: e.message });
		send(res, 500, errorBody('Internal error', e.message));
	});
}, { fields: { push: pushOn } });
