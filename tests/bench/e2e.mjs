// e2e.mjs - the end-to-end phases of `make bench` and `make bench-soak`
// (tests/bench/run.sh): a minimal HTTPS supplier sink and the customer load,
// in one process, so that a POST and the supplier's receipt of its
// deliveries are timed on one clock. The sink answers every leg.create as
// the simulator does (201, {"id", "status": "new"}) without checking
// signatures or keeping history, so that it is not what limits the rate; it
// records when each ticket's creates arrive. Modes (--mode):
//   sink: the sink alone, until killed (the backlog drain and bench-growth);
//   bench (default), after --go-file exists:
//   1. sustained: a closed loop end to end: WINDOW tickets at a time, a
//      new POST as soon as both creates of one arrived, so the backlog
//      can never grow past WINDOW tickets; WARMUP seconds, then SECONDS
//      measured: tickets accepted and delivered per second;
//   2. latency: an open loop at half that rate (a POST every 1/rate s on
//      a schedule, whatever the answers do) for SECONDS; latency is
//      counted from each POST's scheduled time (no coordinated omission)
//      to the arrival of each of its creates at the sink; then up to DRAIN
//      seconds for the last deliveries;
//   soak: phase 1, then phase 2 for --soak seconds instead, cut into
//      periods of --period seconds, each reported on its own ("period N
//      ...") and marked at its end ("mark period_N").
// It prints "mark NAME" at each phase boundary (run.sh samples the outbox,
// the broker's CPU and memory there) and "bench NAME VALUE" results.
// Usage: node e2e.mjs --port-file FILE --cert FILE --key FILE [--mode sink]
//   node e2e.mjs [--url URL] --ca FILE --cert FILE --key FILE --port-file FILE
//   --go-file FILE [--mode bench|soak --window N --warmup S --seconds S
//   --drain S --soak S --period S]
// It writes the sink's port to --port-file, then waits for --go-file to
// exist (run.sh points the suppliers at the sink in between); the broker's
// URL is --url, or else what --go-file holds.
// Environment: BENCH_KEY, BENCH_SERVICE, BENCH_COMPONENT, BENCH_SUMMARY,
// BENCH_DESCRIPTION, as post_ticket.lua; BENCH_LEGS: creates per ticket.
import fs from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
	options: {
		url: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' },
		key: { type: 'string' }, 'port-file': { type: 'string' }, 'go-file': { type: 'string' },
		window: { type: 'string', default: '64' }, warmup: { type: 'string', default: '2' },
		seconds: { type: 'string', default: '10' }, drain: { type: 'string', default: '10' },
		mode: { type: 'string', default: 'bench' }, soak: { type: 'string', default: '600' },
		period: { type: 'string', default: '60' },
	},
});
if (!['bench', 'soak', 'sink'].includes(opt.mode)) throw new Error(`e2e.mjs: no mode ${opt.mode}`);
const needed = opt.mode === 'sink' ? ['cert', 'key', 'port-file'] : ['ca', 'cert', 'key', 'port-file', 'go-file'];
for (const k of needed) {
	if (!opt[k]) throw new Error(`e2e.mjs: --${k} is required`);
}
const env = (name) => {
	const v = process.env[name];
	if (!v) throw new Error(`e2e.mjs: ${name} is not set`);
	return v;
};
const WINDOW = Number(opt.window);
const WARMUP_MS = Number(opt.warmup) * 1000;
const STEADY_MS = Number(opt.seconds) * 1000;
const DRAIN_MS = Number(opt.drain) * 1000;
const LEGS = Number(process.env.BENCH_LEGS || 2);
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- sink
const arrivals = new Map(); // ticket id -> [ms of each create's arrival]
const waiters = new Map(); // ticket id -> called when all its creates arrived
let sinkSeq = 0;

function onArrival(ticketId) {
	const now = performance.now();
	const got = arrivals.get(ticketId) || [];
	got.push(now);
	arrivals.set(ticketId, got);
	if (got.length === LEGS && waiters.has(ticketId)) {
		waiters.get(ticketId)();
		waiters.delete(ticketId);
	}
}

const sink = https.createServer({ cert: fs.readFileSync(opt.cert), key: fs.readFileSync(opt.key) }, (req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		let msg = null;
		try {
			msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
		} catch {
			msg = null;
		}
		const create = msg && msg.type === 'leg.create';
		const body = create ? JSON.stringify({ id: `SINK-${++sinkSeq}`, status: 'new' }) : '{}';
		res.writeHead(create ? 201 : 200, { 'content-type': 'application/json' });
		res.end(body);
		if (create && msg.data && typeof msg.data.id === 'string') onArrival(msg.data.id);
	});
});
sink.keepAliveTimeout = 60000;
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
fs.writeFileSync(opt['port-file'], `${sink.address().port}\n`);
if (opt.mode === 'sink') await new Promise(() => {}); // serves until killed
while (!fs.existsSync(opt['go-file'])) await sleep(50);

// ---------------------------------------------------------------- customer
const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: fs.readFileSync(opt.ca) });
const target = new URL('/v1/tickets', opt.url || fs.readFileSync(opt['go-file'], 'utf8').trim());
const head = {
	service: env('BENCH_SERVICE'), type: 'incident', component: env('BENCH_COMPONENT'),
	summary: env('BENCH_SUMMARY'), description: env('BENCH_DESCRIPTION'),
};
const auth = `Bearer ${env('BENCH_KEY')}`;
const failures = { count: 0, first: null };

// POSTs one ticket; resolves to its id, or null when it was not accepted.
function post() {
	const body = JSON.stringify({ ...head, impact: 1 + Math.floor(Math.random() * 3), urgency: 1 + Math.floor(Math.random() * 3) });
	return new Promise((resolve) => {
		const req = https.request(target, {
			method: 'POST', agent,
			headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				if (res.statusCode === 201) {
					try {
						resolve(JSON.parse(text).id);
						return;
					} catch { /* counted below */ }
				}
				failures.count++;
				failures.first ??= `${res.statusCode} ${text.slice(0, 200)}`;
				resolve(null);
			});
		});
		req.on('error', (e) => {
			failures.count++;
			failures.first ??= e.message;
			resolve(null);
		});
		req.end(body);
	});
}

// Resolves once every create of ticket id arrived at the sink.
function delivered(id) {
	if ((arrivals.get(id) || []).length >= LEGS) return Promise.resolve();
	return new Promise((r) => waiters.set(id, r));
}

function percentile(sorted, p) {
	if (sorted.length === 0) return 0;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---------------------------------------------------------------- 1. sustained
let phase = 'warmup', done = 0, stop = false;
const cpu0 = process.cpuUsage();
async function lane() {
	while (!stop) {
		const id = await post();
		if (id === null) {
			await sleep(10);
			continue;
		}
		await delivered(id);
		if (phase === 'steady') done++;
	}
}
const lanes = Array.from({ length: WINDOW }, lane);
await sleep(WARMUP_MS);
say('mark sustained_start');
phase = 'steady';
let t0 = performance.now();
await sleep(STEADY_MS);
const sustainedMs = performance.now() - t0;
const sustained = done;
phase = 'after';
say('mark sustained_end');
stop = true;
await Promise.all(lanes);
const cpu1 = process.cpuUsage(cpu0);
const rate = sustained / (sustainedMs / 1000);
say(`bench sustained_tickets ${sustained}`);
say(`bench sustained_ms ${Math.round(sustainedMs)}`);
say(`bench sustained_rate ${rate.toFixed(1)}`);
say(`bench sink_cpu_ms ${Math.round((cpu1.user + cpu1.system) / 1000)}`);

// ---------------------------------------------------------------- 2. open loop
// POSTs at `perSecond` on a schedule for `ms`, each entry tagged with its
// period (of periodMs); marks each period's end; waits for the answers and
// up to DRAIN_MS for the last deliveries. Returns the entries.
async function openLoop(perSecond, ms, periodMs) {
	const sent = []; // {at: scheduled ms, period, id, answered}
	const posts = [];
	const begin = performance.now();
	const total = Math.floor((perSecond * ms) / 1000);
	let period = 0;
	for (let i = 0; i < total; i++) {
		const at = begin + (i * 1000) / perSecond;
		while (at - begin >= (period + 1) * periodMs) say(`mark period_${++period}`);
		const wait = at - performance.now();
		if (wait > 1) await sleep(wait);
		const entry = { at, period, id: null, answered: 0 };
		sent.push(entry);
		posts.push(post().then((id) => {
			entry.id = id;
			entry.answered = performance.now();
		}));
	}
	const wait = begin + ms - performance.now();
	if (wait > 1) await sleep(wait);
	while (period < Math.ceil(ms / periodMs)) say(`mark period_${++period}`);
	sent.elapsed = performance.now() - begin;
	await Promise.all(posts);
	const deadline = performance.now() + DRAIN_MS;
	while (performance.now() < deadline && sent.some((s) => s.id !== null && (arrivals.get(s.id) || []).length < LEGS)) await sleep(50);
	return sent;
}

// The latencies of entries: POST -> each create at the sink, POST -> 201.
function latencies(entries) {
	const lat = [], answer = [];
	let missing = 0, accepted = 0;
	for (const s of entries) {
		if (s.id === null) continue;
		accepted++;
		const got = arrivals.get(s.id) || [];
		missing += LEGS - Math.min(LEGS, got.length);
		for (const t of got) lat.push(t - s.at);
		answer.push(s.answered - s.at);
	}
	lat.sort((a, b) => a - b);
	answer.sort((a, b) => a - b);
	return { lat, answer, missing, accepted };
}

const half = rate / 2;
say('mark latency_start');
const soak = opt.mode === 'soak';
const openMs = soak ? Number(opt.soak) * 1000 : STEADY_MS;
const sent = await openLoop(half, openMs, soak ? Number(opt.period) * 1000 : openMs);
say('mark latency_end');
const all = latencies(sent);
say(`bench latency_rate ${half.toFixed(1)}`);
say(`bench latency_offered ${sent.length}`);
say(`bench latency_achieved ${((sent.length * 1000) / sent.elapsed).toFixed(1)}`);
say(`bench latency_accepted ${all.accepted}`);
say(`bench latency_deliveries ${all.lat.length}`);
say(`bench latency_missing ${all.missing}`);
say(`bench latency_p50_ms ${percentile(all.lat, 50).toFixed(1)}`);
say(`bench latency_p99_ms ${percentile(all.lat, 99).toFixed(1)}`);
say(`bench answer_p50_ms ${percentile(all.answer, 50).toFixed(1)}`);
say(`bench answer_p99_ms ${percentile(all.answer, 99).toFixed(1)}`);
for (let p = 0; soak && p < Math.ceil(openMs / (Number(opt.period) * 1000)); p++) {
	const one = latencies(sent.filter((s) => s.period === p));
	say(`period ${p + 1} ${one.accepted} ${percentile(one.answer, 99).toFixed(1)} ` +
		`${percentile(one.lat, 99).toFixed(1)} ${one.missing}`);
}
say(`bench failures ${failures.count}`);
if (failures.first) say(`bench first_failure ${failures.first.replace(/\s+/g, ' ')}`);
agent.destroy();
sink.close();
sink.closeAllConnections();
