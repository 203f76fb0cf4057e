#!/usr/bin/env node
// notify-sim.mjs - the integrator's own webhook for Keten's SLA
// notifications (README "SLA and reports", adapters/sla-notify.md): an
// HTTPS server that verifies each POST's Standard Webhooks signature with
// the npm package `standardwebhooks` (independent of Keten's C code), keeps
// every delivery it received (verified or not), and answers 204, or the
// status the test set, or not at all (hang). Flags and the /_sim/ control API: tests/sim/README.md.
import swh from 'standardwebhooks';
import { simCommandLine, simLog, simServe } from './lib/sim-server.mjs';

const { Webhook } = swh;

const cl = simCommandLine('notify-sim', [
	'usage: notify-sim.mjs --cert FILE --tls-key FILE [--listen HOST:PORT]',
	'         [--port-file FILE] [--secret "whsec_..."]',
	'  the secret may also come from the environment variable SIM_SECRET',
], { secret: { type: 'string' } });
const secret = cl.args.secret || process.env.SIM_SECRET;
if (!secret) cl.fail('--secret or SIM_SECRET is required');
const hook = new Webhook(secret);
const log = simLog('notify-sim');

const received = [];
let answer = 204;
let hang = false;

simServe(cl, log, async (req, url, text) => {
	if (url.pathname === '/_sim/received' && req.method === 'GET') return { status: 200, body: received };
	if (url.pathname === '/_sim/mode' && req.method === 'POST') {
		let mode;
		try { mode = JSON.parse(text || '{}'); } catch { mode = null; }
		if (!mode || (mode.status !== undefined && (!Number.isInteger(mode.status) ||
			mode.status < 200 || mode.status > 599)) ||
			(mode.hang !== undefined && typeof mode.hang !== 'boolean')) {
			return { status: 400, body: { error: 'wants {"status"?: an HTTP status, "hang"?: boolean}' } };
		}
		answer = mode.status ?? answer;
		hang = mode.hang ?? hang;
		return { status: 200, body: { status: answer, hang } };
	}
	if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
	let verified = false;
	let why = null;
	try {
		hook.verify(text ?? '', req.headers);
		verified = true;
	} catch (e) {
		why = e.message;
	}
	received.push({ path: url.pathname, webhook_id: req.headers['webhook-id'] ?? null,
		idempotency_key: req.headers['idempotency-key'] ?? null,
		content_type: req.headers['content-type'] ?? null, verified, why, body: text,
		answered: !verified ? 401 : hang ? null : answer });
	log('notification', { webhook_id: req.headers['webhook-id'], verified, status: verified ? answer : 401, hang });
	// A hung request is kept open until the caller gives up or the
	// simulator stops.
	if (verified && hang) return new Promise(() => {});
	return verified ? { status: answer } : { status: 401, body: { error: 'bad signature' } };
});
