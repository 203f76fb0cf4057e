#!/usr/bin/env node
// supplier-sim.mjs - an HTTPS webhook supplier for Keten's system tests and
// the quick start. It speaks the contract of adapters/webhook.md: it
// receives signed leg.* deliveries, answers with its own ticket ids, and
// sends signed updates back to the broker's /v1/inbound/{key}. Signing and
// verifying go through the npm package `standardwebhooks` (an implementation
// independent of Keten's). Flags and the /_sim/ control API: tests/sim/README.md.

import fs from 'node:fs';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import swh from 'standardwebhooks';
import { simCommandLine, simListen } from './lib/sim-server.mjs';

const { Webhook } = swh;

const HOOK_BODY_LIMIT = 1024 * 1024; // deliveries from Keten
const LIST_PAGE = 5; // tickets a leg.list page carries (small: the tests page)
const CONTROL_BODY_LIMIT = 16 * 1024 * 1024; // /_sim/ requests (raw may be large on purpose)
const BROKER_ANSWER_LIMIT = 1024 * 1024;
const BROKER_TIMEOUT_MS = 15000;
const STATUSES = new Set(['new', 'assigned', 'in_progress', 'pending_customer',
	'pending_supplier', 'resolved', 'closed', 'cancelled']);

// ---------------------------------------------------------------- options

const cl = simCommandLine('supplier-sim', [
	'usage: supplier-sim.mjs --key NAME --cert FILE --tls-key FILE [--listen HOST:PORT]',
	'         [--port-file FILE] [--secret "whsec_... [whsec_...]"] [--broker-url URL]',
	'         [--broker-ca FILE] [--advance-ms N] [--idempotency honour|ignore]',
	'         [--search-lag-ms N] [--reject-component KEY [--reject-reason TEXT]',
	'         [--reject-hint COMPONENT] [--reject-after-ms N]]',
	'  the secret may also come from the environment variable SIM_SECRET',
], {
	key: { type: 'string' },
	secret: { type: 'string' },
	'broker-url': { type: 'string' },
	'broker-ca': { type: 'string' },
	'advance-ms': { type: 'string', default: '0' },
	idempotency: { type: 'string', default: 'honour' },
	'search-lag-ms': { type: 'string', default: '0' },
	'reject-component': { type: 'string' },
	'reject-reason': { type: 'string' },
	'reject-hint': { type: 'string' },
	'reject-after-ms': { type: 'string', default: '1000' },
});
const { args } = cl;
const usage = cl.fail;

const KEY = args.key;
if (!KEY || !/^[A-Za-z0-9._-]{1,64}$/.test(KEY)) usage('--key NAME is required (letters, digits, . _ -)');

if (!/^\d+$/.test(args['advance-ms'])) usage('--advance-ms wants a whole number of milliseconds');
const ADVANCE_MS = Number(args['advance-ms']);

if (args.idempotency !== 'honour' && args.idempotency !== 'ignore') usage('--idempotency wants honour or ignore');
const IDEMPOTENCY = args.idempotency;

if (!/^\d+$/.test(args['search-lag-ms'])) usage('--search-lag-ms wants a whole number of milliseconds');
const SEARCH_LAG_MS = Number(args['search-lag-ms']);

// --reject-component: every new leg of that component is rejected, the way
// a supplier says "not ours", after --reject-after-ms.
const REJECT_COMPONENT = args['reject-component'] ?? null;
if (REJECT_COMPONENT !== null && REJECT_COMPONENT === '') usage('--reject-component wants a component key');
if (!/^\d+$/.test(args['reject-after-ms'])) usage('--reject-after-ms wants a whole number of milliseconds');
const REJECT_AFTER_MS = Number(args['reject-after-ms']);
const REJECT_REASON = args['reject-reason'] ?? 'not ours';
if (REJECT_REASON === '') usage('--reject-reason wants a text');
const REJECT_HINT = args['reject-hint'] ?? null;
if (REJECT_COMPONENT === null && (args['reject-hint'] !== undefined || args['reject-reason'] !== undefined)) {
	usage('--reject-reason and --reject-hint need --reject-component');
}

// Secrets: "whsec_a whsec_b": verify accepts any, outbound signing uses the first.
function parseSecrets(text, what) {
	const list = String(text ?? '').split(/\s+/).filter(Boolean);
	if (list.length === 0) throw new Error(`${what}: no secret given`);
	return list.map((s, i) => {
		if (!s.startsWith('whsec_')) throw new Error(`${what}: secret #${i + 1} does not start with whsec_`);
		try {
			return new Webhook(s);
		} catch {
			throw new Error(`${what}: secret #${i + 1} is not valid base64 after whsec_`);
		}
	});
}
let SECRETS;
try {
	SECRETS = parseSecrets(args.secret ?? process.env.SIM_SECRET, '--secret/SIM_SECRET');
} catch (e) {
	usage(e.message);
}

let BROKER_URL = null;
if (args['broker-url']) {
	try {
		BROKER_URL = new URL(args['broker-url']);
	} catch {
		usage('--broker-url is not a URL');
	}
	if (BROKER_URL.protocol !== 'https:') usage('--broker-url must be https://');
}
let BROKER_CA = null;
if (args['broker-ca']) {
	try {
		BROKER_CA = fs.readFileSync(args['broker-ca']);
	} catch (e) {
		usage(`--broker-ca: ${e.message}`);
	}
}
if (BROKER_URL && !BROKER_CA) usage('--broker-url needs --broker-ca (the simulator trusts nothing else)');
if (ADVANCE_MS > 0 && !BROKER_URL) usage('--advance-ms needs --broker-url');
if (REJECT_COMPONENT !== null && !BROKER_URL) usage('--reject-component needs --broker-url');


// ---------------------------------------------------------------- logging

function log(event, fields = {}) {
	// Never pass secrets or signatures in here.
	process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), sim: KEY, event, ...fields }) + '\n');
}

// ---------------------------------------------------------------- state

let records = []; // every hook request
const tickets = []; // supplier tickets
const ticketsByIdem = new Map(); // Idempotency-Key -> {ticket, answer}
let ticketSeq = 0;
let mode = { mode: 'normal', status: null, retry_after: null };
// 'off', or echo every leg.comment back as a public comment: 'marker'
// with the comment's origin marker, 'text' with its text alone.
let echo = 'off';
let echoesSent = 0;
const timers = new Set();
const outbound = new Set(); // in-flight requests to the broker
let stopping = false;

function isoSeconds(d = new Date()) {
	return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ticketForLeg(legId, externalId) {
	for (let i = tickets.length - 1; i >= 0; i--) {
		const t = tickets[i];
		if ((legId != null && t.leg_id === legId) || (externalId != null && t.id === externalId)) return t;
	}
	return null;
}

function later(ms, fn) {
	const t = setTimeout(() => {
		timers.delete(t);
		fn();
	}, ms);
	timers.add(t);
	return t;
}

// ---------------------------------------------------------------- HTTP helpers

function readBody(req, limit) {
	return new Promise((resolve) => {
		const chunks = [];
		let size = 0;
		let over = false;
		req.on('data', (c) => {
			if (over) return;
			size += c.length;
			if (size > limit) {
				over = true;
				chunks.length = 0;
				return;
			}
			chunks.push(c);
		});
		req.on('end', () => resolve(over ? { tooLarge: true, size } : { raw: Buffer.concat(chunks).toString('utf8') }));
		req.on('error', () => resolve({ aborted: true }));
	});
}

function send(res, status, obj, extraHeaders = {}) {
	if (res.headersSent || res.destroyed) return;
	const body = obj === undefined || status === 204 || status === 304 ? '' : JSON.stringify(obj);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(body),
		...extraHeaders,
	});
	res.end(body);
}

function tryJson(text) {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false, value: null };
	}
}

// ---------------------------------------------------------------- outbound (supplier -> broker)

// Builds, signs and POSTs one inbound update. Resolves to
// {status, body, webhook_id, timestamp} or {error}; never rejects.
function sendInbound(opts) {
	return new Promise((resolve) => {
		if (!BROKER_URL) {
			resolve({ error: 'no --broker-url given', client: true });
			return;
		}
		let signers = [SECRETS[0]];
		if (opts.secret !== undefined) {
			try {
				signers = parseSecrets(opts.secret, 'secret');
			} catch (e) {
				resolve({ error: e.message, client: true });
				return;
			}
		}
		let payload;
		if (opts.raw !== undefined) {
			payload = typeof opts.raw === 'string' ? opts.raw : JSON.stringify(opts.raw);
		} else {
			const t = ticketForLeg(opts.leg_id, null);
			const body = { type: 'leg.updated', leg_id: opts.leg_id };
			const ext = opts.external_id !== undefined ? opts.external_id : t ? t.id : undefined;
			if (ext !== undefined) body.external_id = ext;
			if (opts.status !== undefined && opts.status !== null) body.status = opts.status;
			if (opts.comment !== undefined && opts.comment !== null) {
				body.comment = typeof opts.comment === 'string' ? { text: opts.comment, public: true } : opts.comment;
			}
			if (opts.reject !== undefined && opts.reject !== null) body.reject = opts.reject;
			const occurred = opts.occurred_at === undefined ? isoSeconds() : opts.occurred_at;
			if (occurred !== null) body.occurred_at = occurred;
			payload = JSON.stringify(body);
		}
		const webhookId = opts.webhook_id ?? `msg_${randomUUID().replace(/-/g, '')}`;
		const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
		if (!/^-?\d+$/.test(String(ts))) {
			resolve({ error: 'timestamp must be whole Unix seconds', client: true });
			return;
		}
		const date = new Date(Number(ts) * 1000);
		const signature = signers.map((w) => w.sign(webhookId, date, payload)).join(' ');

		const url = new URL(`/v1/inbound/${encodeURIComponent(KEY)}`, BROKER_URL);
		const req = https.request(url, {
			method: 'POST',
			ca: BROKER_CA, // trust only the broker's CA
			headers: {
				'content-type': 'application/json',
				'content-length': Buffer.byteLength(payload),
				'webhook-id': webhookId,
				'idempotency-key': webhookId,
				'webhook-timestamp': String(ts),
				'webhook-signature': signature,
			},
			timeout: BROKER_TIMEOUT_MS,
			agent: false,
		});
		outbound.add(req);
		const done = (r) => {
			outbound.delete(req);
			resolve({ ...r, webhook_id: webhookId, timestamp: Number(ts) });
		};
		req.on('timeout', () => req.destroy(new Error(`no answer within ${BROKER_TIMEOUT_MS} ms`)));
		req.on('error', (e) => done({ error: `broker unreachable: ${e.message}` }));
		req.on('response', (res) => {
			const chunks = [];
			let size = 0;
			res.on('data', (c) => {
				size += c.length;
				if (size > BROKER_ANSWER_LIMIT) {
					res.destroy(new Error('broker answer too large'));
					return;
				}
				chunks.push(c);
			});
			res.on('error', (e) => done({ error: `broker answer: ${e.message}` }));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				const parsed = tryJson(text);
				const r = { status: res.statusCode, body: parsed.value };
				if (!parsed.ok && text !== '') r.raw = text;
				done(r);
			});
		});
		req.end(payload);
	});
}

function stopAdvance(t) {
	if (t.advance_timer) {
		clearTimeout(t.advance_timer);
		timers.delete(t.advance_timer);
		t.advance_timer = null;
	}
}

// After a successful send, mirror the status (or the rejection) on the
// simulator's own ticket.
function noteSent(opts, r) {
	if (!(r.status >= 200 && r.status < 300 && opts.raw === undefined)) return;
	const t = ticketForLeg(opts.leg_id, null);
	if (!t) return;
	if (opts.reject) {
		t.status = 'rejected';
		t.updated_at = Date.now();
		stopAdvance(t);
	} else if (opts.status && STATUSES.has(opts.status)) {
		t.status = opts.status;
		t.updated_at = Date.now();
	}
}

async function sendAndLog(opts, why) {
	const r = await sendInbound(opts);
	noteSent(opts, r);
	if (r.error) log('inbound.failed', { why, leg_id: opts.leg_id ?? null, status: opts.status ?? null, webhook_id: r.webhook_id ?? null, error: r.error });
	else log('inbound.sent', { why, leg_id: opts.leg_id ?? null, status: opts.status ?? null, webhook_id: r.webhook_id, answered: r.status, body: r.body });
	return r;
}

// --advance-ms: assigned -> in_progress -> resolved, each N ms after the
// previous one finished (so the broker sees them in order).
function scheduleAdvance(ticket) {
	if (ADVANCE_MS <= 0) return;
	const steps = [
		{ status: 'assigned' },
		{ status: 'in_progress' },
		{ status: 'resolved', comment: { text: `Resolved by supplier simulator ${KEY} (${ticket.id}).`, public: true } },
	];
	const next = (i) => {
		if (i >= steps.length || stopping) return;
		ticket.advance_timer = later(ADVANCE_MS, async () => {
			ticket.advance_timer = null;
			if (stopping || ticket.status === 'cancelled' || ticket.status === 'rejected') return;
			await sendAndLog({ leg_id: ticket.leg_id, external_id: ticket.id, occurred_at: isoSeconds(), ...steps[i] }, 'advance');
			next(i + 1);
		});
	};
	next(0);
}

// --reject-component: the new ticket of such a leg is rejected after
// REJECT_AFTER_MS (with the hint when one was given), and never advanced.
// A leg.cancel before then stops it, as it stops --advance-ms.
function scheduleReject(ticket) {
	const reject = { reason: REJECT_REASON };
	if (REJECT_HINT !== null) reject.component = REJECT_HINT;
	ticket.advance_timer = later(REJECT_AFTER_MS, async () => {
		ticket.advance_timer = null;
		if (stopping || ticket.status === 'cancelled') return;
		await sendAndLog({ leg_id: ticket.leg_id, external_id: ticket.id, reject }, 'reject');
	});
}

// ---------------------------------------------------------------- hooks (Keten -> supplier)

function verifySignature(raw, headers) {
	const h = {};
	for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') h[k] = v;
	let lastError = 'no secret';
	for (const w of SECRETS) {
		try {
			w.verify(raw, h, { jsonParse: false });
			return { ok: true };
		} catch (e) {
			lastError = e.message;
		}
	}
	return { ok: false, reason: lastError };
}

async function handleHook(req, res, pathname) {
	const rec = {
		at: Date.now(),
		method: req.method,
		path: pathname,
		headers: { ...req.headers },
		body: null,
		json: null,
		verified: false,
		answered: null,
	};
	records.push(rec);
	// hang with apply: the hook takes effect, and its answer never comes
	const silent = mode.mode === 'hang' && mode.apply;
	const answer = (status, obj, extra) => {
		if (silent) {
			rec.applied = status;
			log('hook.hang', { path: pathname, type: rec.json?.type ?? null, applied: status });
			return;
		}
		rec.answered = status;
		send(res, status, obj, extra);
		log('hook', {
			method: req.method, path: pathname, type: rec.json?.type ?? null,
			leg_id: rec.json?.data?.leg?.id ?? null, webhook_id: rec.headers['webhook-id'] ?? null,
			verified: rec.verified, answered: status, ...(obj && obj.id !== undefined ? { id: obj.id } : {}),
		});
	};

	const b = await readBody(req, HOOK_BODY_LIMIT);
	if (b.aborted) {
		rec.answered = 0;
		log('hook.aborted', { path: pathname });
		return;
	}
	if (b.tooLarge) {
		rec.body = null;
		res.setHeader('connection', 'close');
		answer(413, { error: 'body too large' });
		return;
	}
	rec.body = b.raw;
	const parsed = tryJson(b.raw);
	rec.json = parsed.ok ? parsed.value : null;
	const v = verifySignature(b.raw, req.headers);
	rec.verified = v.ok;

	if (mode.mode === 'hang' && !silent) {
		log('hook.hang', { path: pathname, webhook_id: rec.headers['webhook-id'] ?? null, verified: rec.verified });
		return; // never answer; the socket stays open until the client gives up
	}
	if (mode.mode === 'status') {
		const extra = mode.status >= 300 && mode.status < 400 ? { location: '/_sim/redirected' } : {};
		if (mode.retry_after !== null) extra['retry-after'] = mode.retry_after;
		answer(mode.status, mode.status < 300 ? {} : { error: `simulated status ${mode.status}` }, extra);
		return;
	}
	if (req.method !== 'POST') {
		answer(405, { error: 'POST only' }, { allow: 'POST' });
		return;
	}
	if (!v.ok) {
		rec.rejected = v.reason;
		answer(401, { error: 'bad signature' });
		return;
	}
	if (!parsed.ok || rec.json === null || typeof rec.json !== 'object' || Array.isArray(rec.json)) {
		answer(400, { error: 'body is not a JSON object' });
		return;
	}
	const msg = rec.json;
	const type = typeof msg.type === 'string' ? msg.type : '';
	const leg = msg.data && typeof msg.data === 'object' && msg.data.leg && typeof msg.data.leg === 'object' ? msg.data.leg : {};
	const legId = typeof leg.id === 'string' ? leg.id : null;

	if (type === 'leg.create') {
		if (!legId) {
			answer(422, { error: 'leg.create without data.leg.id' });
			return;
		}
		const idem = req.headers['idempotency-key'];
		if (IDEMPOTENCY === 'honour' && idem && ticketsByIdem.has(idem)) {
			const prev = ticketsByIdem.get(idem);
			rec.replayed = true;
			answer(201, prev.answer);
			return;
		}
		ticketSeq += 1;
		const ticket = {
			id: `SIM-${KEY}-${ticketSeq}`,
			leg_id: legId,
			status: 'new',
			keten_ticket: msg.data.id ?? null,
			keten_number: msg.data.number ?? null,
			summary: msg.data.summary ?? null,
			idempotency_key: idem ?? null,
			created_at: Date.now(),
			updated_at: Date.now(),
			operations: ['create'],
			advance_timer: null,
		};
		tickets.push(ticket);
		const body = { id: ticket.id, status: 'new' };
		if (IDEMPOTENCY === 'honour' && idem) ticketsByIdem.set(idem, { ticket, answer: body });
		answer(201, body);
		if (REJECT_COMPONENT !== null && leg.component_key === REJECT_COMPONENT) scheduleReject(ticket);
		else scheduleAdvance(ticket);
		return;
	}
	if (type === 'leg.lookup') {
		// search by the correlation id, seeing only what is older than the lag
		const seen = tickets.find((t) => t.leg_id === legId && t.created_at <= Date.now() - SEARCH_LAG_MS);
		if (seen) answer(200, { id: seen.id, status: seen.status });
		else answer(404, { error: 'no ticket for that leg' });
		return;
	}
	if (type === 'leg.list') {
		// the tickets carrying Keten's reference, LIST_PAGE a page, keyed by offset
		const page = msg.data?.page ?? null;
		const from = page === null ? 0 : Number(page);
		if (!Number.isInteger(from) || from < 0) {
			answer(400, { error: 'bad data.page' });
			return;
		}
		const slice = tickets.slice(from, from + LIST_PAGE).map((t) => ({ id: t.id, leg: t.leg_id }));
		const next = from + LIST_PAGE < tickets.length ? String(from + LIST_PAGE) : null;
		answer(200, { tickets: slice, next_page: next });
		return;
	}
	if (/^leg\.[a-z_]+$/.test(type)) {
		const t = ticketForLeg(legId, typeof leg.external_id === 'string' ? leg.external_id : null);
		if (t) {
			t.operations.push(type.slice(4));
			if (type === 'leg.cancel') {
				t.status = 'cancelled';
				t.updated_at = Date.now();
				stopAdvance(t);
			}
		}
		answer(200, { id: t ? t.id : null });
		if (type === 'leg.comment' && echo !== 'off' && legId && typeof msg.comment?.text === 'string') {
			const comment = { text: msg.comment.text, public: true };
			if (echo === 'marker' && typeof msg.comment.origin === 'string') comment.origin = msg.comment.origin;
			echoesSent += 1;
			later(0, () => sendAndLog({ leg_id: legId, comment }, 'echo'));
		}
		return;
	}
	answer(422, { error: `unknown type ${JSON.stringify(type)}` });
}

// ---------------------------------------------------------------- control API

function ticketView(t) {
	const { advance_timer, ...rest } = t;
	return { ...rest, advancing: advance_timer != null };
}

async function handleControl(req, res, pathname) {
	const route = `${req.method} ${pathname}`;
	if (route === 'GET /_sim/received') return send(res, 200, records);
	if (route === 'GET /_sim/tickets') return send(res, 200, tickets.map(ticketView));
	if (route === 'GET /_sim/echo') return send(res, 200, { echo, sent: echoesSent });
	if (!['POST /_sim/mode', 'POST /_sim/send', 'POST /_sim/reset', 'POST /_sim/echo'].includes(route)) {
		return send(res, pathname.startsWith('/_sim/') && ['received', 'tickets', 'mode', 'send', 'reset', 'echo'].includes(pathname.slice(6)) ? 405 : 404,
			{ error: `no route ${route}` });
	}
	const b = await readBody(req, CONTROL_BODY_LIMIT);
	if (b.aborted) return undefined;
	if (b.tooLarge) return send(res, 413, { error: 'body too large' });
	let body = {};
	if (b.raw.trim() !== '') {
		const p = tryJson(b.raw);
		if (!p.ok || p.value === null || typeof p.value !== 'object' || Array.isArray(p.value)) {
			return send(res, 400, { error: 'body is not a JSON object' });
		}
		body = p.value;
	}

	if (route === 'POST /_sim/reset') {
		const n = records.length;
		records = [];
		log('reset', { cleared: n });
		return send(res, 200, { cleared: n });
	}
	if (route === 'POST /_sim/echo') {
		if (!['off', 'marker', 'text'].includes(body.echo)) return send(res, 400, { error: 'echo wants off, marker or text' });
		echo = body.echo;
		log('echo', { echo });
		return send(res, 200, { echo, sent: echoesSent });
	}
	if (route === 'POST /_sim/mode') {
		const m = body.mode;
		if (m === 'normal' || m === 'hang') {
			mode = { mode: m, status: null, retry_after: null, apply: m === 'hang' && body.apply === true };
		} else if (m === 'status') {
			const s = body.status;
			if (!Number.isInteger(s) || s < 200 || s > 599) return send(res, 400, { error: 'status wants an integer 200..599' });
			const ra = body.retry_after ?? null;
			if (ra !== null && (typeof ra !== 'string' || !/^[\x20-\x7e]{0,200}$/.test(ra))) {
				return send(res, 400, { error: 'retry_after wants a string of up to 200 printable ASCII characters' });
			}
			mode = { mode: 'status', status: s, retry_after: ra };
		} else {
			return send(res, 400, { error: 'mode wants normal, hang or status' });
		}
		log('mode', mode);
		return send(res, 200, mode);
	}
	// POST /_sim/send
	if (body.raw === undefined && (typeof body.leg_id !== 'string' || body.leg_id === '')) {
		return send(res, 400, { error: 'leg_id (string) is required unless raw is given' });
	}
	const r = await sendAndLog(body, 'control');
	if (r.error) return send(res, r.client ? 400 : 502, { error: r.error, webhook_id: r.webhook_id ?? null });
	return send(res, 200, r);
}

// ---------------------------------------------------------------- server

simListen(cl, log, (req, res) => {
	let pathname;
	try {
		pathname = new URL(req.url, 'https://sim.invalid').pathname;
	} catch {
		pathname = req.url;
	}
	const h = pathname === '/_sim' || pathname.startsWith('/_sim/') ? handleControl : handleHook;
	h(req, res, pathname).catch((e) => {
		log('error', { path: pathname, error: String(e && e.stack ? e.stack : e) });
		send(res, 500, { error: 'simulator error' });
	});
}, {
	fields: { host: cl.host, secrets: SECRETS.length, idempotency: IDEMPOTENCY, advance_ms: ADVANCE_MS,
		broker: BROKER_URL ? BROKER_URL.origin : null, reject_component: REJECT_COMPONENT },
	onStop: () => {
		stopping = true;
		for (const t of timers) clearTimeout(t);
		timers.clear();
		for (const r of outbound) r.destroy(new Error('simulator stopping'));
	},
});
