#!/usr/bin/env node
// jira-sim.mjs - a Jira Cloud with Jira Service Management for Keten's
// tests, as the facts of SUPPLIER-APIS.md section 3 describe it: JSM
// requests and platform issues, a workflow that refuses the transitions it
// does not offer, comments (JSM public/internal, platform visibility), JQL
// search paged by nextPageToken (with a search lag on demand), webhooks
// signed X-Hub-Signature, and 429 with Retry-After and X-RateLimit-Reset on
// demand. EVERY request it gets is validated against Jira's official
// OpenAPI documents (and ADF against @atlaskit/adf-schema), and so is every
// answer it gives: a request that breaks them is answered 400 and listed
// in /_sim/problems. A /_sim/ control API plays Jira's agents. Flags and
// API: tests/sim/README.md.
import fs from 'node:fs';
import { createHmac } from 'node:crypto';
import { loadOpenApi, specFile, adfChecker } from '../system/lib/openapi.mjs';
import { simCommandLine, simControl, simLog, simPost, simServe } from './lib/sim-server.mjs';

const SUMMARY_MAX = 255;

const cl = simCommandLine('jira-sim', [
  'usage: jira-sim.mjs --cert FILE --tls-key FILE [--listen HOST:PORT] [--port-file FILE]',
  '         [--email ADDRESS] [--account-id ID] [--key SUPPLIER] [--broker-url URL --broker-ca FILE]',
  '         [--no-spec-check]',
  '  the API token comes from SIM_API_TOKEN (default "secret"), the webhook secret from',
  '  SIM_WEBHOOK_SECRET; the official documents from KETEN_SPECS (tests/sim/README.md)',
], {
  email: { type: 'string', default: 'keten@acme.example' },
  'account-id': { type: 'string', default: '5b10ac8d82e05b22cc7d4ef5' },
  key: { type: 'string', default: 'jira' },
  'no-spec-check': { type: 'boolean', default: false },
  'broker-url': { type: 'string' },
  'broker-ca': { type: 'string' },
});
const { args } = cl;
const broker = args['broker-url'] ? new URL(args['broker-url']) : null;
if (broker && broker.protocol !== 'https:') cl.fail('--broker-url must be https://');
if (broker && !args['broker-ca']) cl.fail('--broker-url needs --broker-ca');
const TOKEN = process.env.SIM_API_TOKEN ?? 'secret';
const HOOK_SECRET = process.env.SIM_WEBHOOK_SECRET ?? '';
let brokerCa, platform, desk, adf;
try {
  brokerCa = broker ? fs.readFileSync(args['broker-ca']) : null;
  if (!args['no-spec-check']) {
    platform = await loadOpenApi(specFile('jira/platform/swagger-v3.v3.json'));
    desk = await loadOpenApi(specFile('jira/service-desk/swagger.v3.json'));
  }
  adf = adfChecker();
} catch (e) {
  cl.fail(e.message);
}

const log = simLog('jira');

// ---------------------------------------------------------------- the instance

const US = { accountId: args['account-id'], displayName: 'Keten', emailAddress: args.email, active: true };
const AGENT = { accountId: '557058:agent-0001', displayName: 'Ada Agent', active: true };
const CATEGORIES = { new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' } };
const STATUSES = {
  Open: { id: '1', category: 'new' },
  'In Progress': { id: '3', category: 'indeterminate' },
  'Waiting for customer': { id: '10', category: 'indeterminate' },
  Resolved: { id: '5', category: 'done' },
  Closed: { id: '6', category: 'done' },
  Canceled: { id: '7', category: 'done' },
};
// The workflow: from a status, the transitions it offers (and which need a resolution).
const T = (id, name, to, resolution = false) => ({ id, name, to, resolution });
const WORKFLOW = {
  Open: [T('21', 'Start work', 'In Progress'), T('31', 'Resolve', 'Resolved', true), T('51', 'Cancel request', 'Canceled', true)],
  'In Progress': [T('11', 'Wait for customer', 'Waiting for customer'), T('31', 'Resolve', 'Resolved', true),
    T('51', 'Cancel request', 'Canceled', true)],
  'Waiting for customer': [T('12', 'Respond', 'In Progress')],
  Resolved: [T('61', 'Reopen', 'Open'), T('71', 'Close', 'Closed')],
  Closed: [],
  Canceled: [],
};
const DESKS = { 1: { projectKey: 'ITSD', requestTypes: { 10: 'Report an incident', 11: 'Ask for something' } } };
const PROJECTS = { ITSD: { id: '10000', issuetypes: { 10001: 'Task' } }, CHG: { id: '10010', issuetypes: { 10002: 'Change' } },
  OPS: { id: '10020', issuetypes: { 10003: 'Incident' } } };
const RESOLUTIONS = ['Done', "Won't Do", 'Duplicate'];
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];

let issues = [];
let received = [];
let problems = [];
let nextId = 10042;
let nextComment = 20001;
let lastMs = 0;
let mode = { mode: 'normal' };
let lagMs = 0;

const now = () => (lastMs = Math.max(Date.now(), lastMs + 1));
// Jira writes times as "2026-11-25T19:40:00.000+0000".
const jiraTime = (ms) => new Date(ms).toISOString().replace('Z', '+0000');
const dateDTO = (ms) => ({ iso8601: jiraTime(ms), jira: jiraTime(ms), friendly: 'Today', epochMillis: ms });
const self = (p) => `https://127.0.0.1${p}`;
const errors = (status, messages = [], fields = {}) => ({ status, body: { errorMessages: messages, errors: fields } });

function statusDetails(name) {
  const s = STATUSES[name];
  return { id: s.id, name, self: self(`/rest/api/3/status/${s.id}`), statusCategory: { ...CATEGORIES[s.category] } };
}

// Plain text of an ADF document: blocks apart by a blank line.
const inline = (d) => (d?.type === 'text' ? d.text : d?.type === 'hardBreak' ? '\n' : (d?.content ?? []).map(inline).join(''));
const adfText = (d) => (d?.content ?? []).map(inline).join('\n\n');
const textAdf = (t) => ({ type: 'doc', version: 1, content: String(t).split(/\n{2,}/).map((p) => ({
  type: 'paragraph', content: p.split('\n').flatMap((l, i) => [...(i ? [{ type: 'hardBreak' }] : []), ...(l ? [{ type: 'text', text: l }] : [])]) })) });
// JSM comment bodies are wiki markup: a backslash shows the next character.
const unwiki = (s) => s.replace(/\\(.)/gs, '$1');

function find(ref) {
  return issues.find((i) => i.id === ref || i.key === ref || i.labels.includes(`keten-${ref}`) ||
    Object.values(i.custom).includes(ref));
}

function touch(issue, at = now()) {
  issue.updated = at;
}

// The fields of an issue a search or a read asks for (all when none named).
function fieldsOf(issue, names) {
  const all = {
    summary: issue.summary, description: issue.description, labels: issue.labels,
    status: statusDetails(issue.status), updated: jiraTime(issue.updated), created: jiraTime(issue.created),
    resolution: issue.resolution ? { name: issue.resolution } : null,
    priority: issue.priority ? { name: issue.priority } : null,
    issuetype: { id: issue.issuetypeId, name: issue.issuetype }, project: { id: PROJECTS[issue.project].id, key: issue.project },
    comment: { comments: issue.comments.map(commentOut), maxResults: 50, total: issue.comments.length, startAt: 0 },
    ...issue.custom,
  };
  if (!names || names.length === 0 || names.includes('*all')) return all;
  return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]]));
}

function commentOut(c) {
  const out = { id: c.id, self: self(`/rest/api/3/comment/${c.id}`), author: c.author, body: c.body,
    created: jiraTime(c.created), updated: jiraTime(c.created), jsdPublic: c.public };
  if (c.visibility) out.visibility = c.visibility;
  return out;
}

// ---------------------------------------------------------------- create

// The fields both creates share: summary, ADF description, labels, custom fields, priority.
function takeFields(f, isAdf) {
  const bad = {};
  if (typeof f.summary !== 'string' || f.summary === '') bad.summary = 'You must specify a summary of the issue.';
  else if ([...f.summary].length > SUMMARY_MAX || /[\r\n]/.test(f.summary)) bad.summary = 'Summary must be less than 255 characters and one line.';
  if (f.description !== undefined) {
    const p = isAdf ? adf(f.description) : typeof f.description === 'string' ? [] : ['not a string'];
    if (p.length) bad.description = `Operation value must be an Atlassian Document: ${p.join('; ')}`;
  }
  if (f.labels !== undefined && (!Array.isArray(f.labels) || f.labels.some((l) => typeof l !== 'string' || /\s/.test(l) || l.length > 255))) {
    bad.labels = 'Labels must be strings without spaces.';
  }
  if (f.priority !== undefined && !PRIORITIES.includes(f.priority?.name)) bad.priority = 'Specify a valid priority.';
  const custom = {};
  for (const [k, v] of Object.entries(f)) {
    if (!/^customfield_\d+$/.test(k)) continue;
    if (typeof v !== 'string') bad[k] = 'Operation value must be a string';
    else custom[k] = v;
  }
  return { bad, custom };
}

function newIssue(project, issuetypeId, issuetype, f, custom, extra) {
  const at = now();
  const id = String(nextId++);
  const issue = {
    id, key: `${project}-${id}`, project, issuetypeId, issuetype, summary: f.summary,
    description: f.description ?? null, labels: f.labels ?? [], custom, priority: f.priority?.name ?? 'Medium',
    status: 'Open', resolution: null, created: at, updated: at, comments: [], ...extra,
  };
  issues.push(issue);
  return issue;
}

function createRequest(b) {
  const d = DESKS[b.serviceDeskId];
  const type = d?.requestTypes[b.requestTypeId];
  if (!d) return { status: 404, body: { errorMessage: `The service desk ${b.serviceDeskId} does not exist.` } };
  if (!type) return { status: 400, body: { errorMessage: `The request type ${b.requestTypeId} is not valid.` } };
  const f = b.requestFieldValues ?? {};
  const { bad, custom } = takeFields(f, b.isAdfRequest === true);
  const unknown = Object.keys(f).filter((k) => !['summary', 'description', 'labels', 'priority'].includes(k) && !custom[k]);
  for (const k of unknown) bad[k] = `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.`;
  if (Object.keys(bad).length) return errors(400, [], bad);
  const issue = newIssue(d.projectKey, '10001', type, f, custom, { desk: b.serviceDeskId, requestTypeId: b.requestTypeId });
  return { status: 201, body: {
    issueId: issue.id, issueKey: issue.key, requestTypeId: b.requestTypeId, serviceDeskId: b.serviceDeskId,
    createdDate: dateDTO(issue.created), reporter: { accountId: US.accountId, displayName: US.displayName },
    currentStatus: { status: issue.status, statusCategory: 'NEW', statusDate: dateDTO(issue.created) },
    _links: { web: self(`/servicedesk/customer/portal/1/${issue.key}`), self: self(`/rest/servicedeskapi/request/${issue.id}`) },
  } };
}

function createIssue(b) {
  const f = b.fields ?? {};
  const p = PROJECTS[f.project?.key] ? f.project.key : Object.keys(PROJECTS).find((k) => PROJECTS[k].id === f.project?.id);
  if (!p) return errors(400, [], { project: 'Specify a valid project ID or key' });
  const type = PROJECTS[p].issuetypes[f.issuetype?.id];
  if (!type) return errors(400, [], { issuetype: 'Specify an issue type' });
  const { bad, custom } = takeFields(f, true);
  if (Object.keys(bad).length) return errors(400, [], bad);
  const issue = newIssue(p, f.issuetype.id, type, f, custom, {});
  return { status: 201, body: { id: issue.id, key: issue.key, self: self(`/rest/api/3/issue/${issue.id}`) } };
}

// ---------------------------------------------------------------- workflow and comments

function transitionsOf(issue, withFields) {
  return WORKFLOW[issue.status].map((t) => {
    const out = { id: t.id, name: t.name, to: statusDetails(t.to), hasScreen: t.resolution, isAvailable: true };
    if (withFields) {
      out.fields = t.resolution ? { resolution: { key: 'resolution', name: 'Resolution', required: true,
        schema: { type: 'resolution', system: 'resolution' }, operations: ['set'],
        allowedValues: RESOLUTIONS.map((name, i) => ({ id: String(i + 1), name })) } } : {};
    }
    return out;
  });
}

function doTransition(issue, b, by) {
  const t = WORKFLOW[issue.status].find((x) => x.id === String(b.transition?.id));
  if (!t) return errors(400, [`Transition id '${b.transition?.id}' is not valid for this issue.`]);
  const res = b.fields?.resolution?.name;
  if (t.resolution && !RESOLUTIONS.includes(res)) return errors(400, [], { resolution: 'Resolution is required.' });
  if (!t.resolution && b.fields?.resolution) {
    return errors(400, [], { resolution: "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown." });
  }
  for (const add of b.update?.comment ?? []) {
    const p = adf(add.add?.body);
    if (p.length) return errors(400, [], { comment: p.join('; ') });
  }
  const from = issue.status;
  issue.status = t.to;
  issue.resolution = t.resolution ? res : STATUSES[t.to].category === 'done' ? issue.resolution : null;
  touch(issue);
  for (const add of b.update?.comment ?? []) addComment(issue, add.add.body, by, true, null);
  return { status: 204, from };
}

function addComment(issue, body, by, pub, visibility) {
  const c = { id: String(nextComment++), author: { accountId: by.accountId, displayName: by.displayName, active: true },
    body, created: now(), public: pub, visibility };
  issue.comments.push(c);
  touch(issue, c.created);
  return c;
}

// ---------------------------------------------------------------- JQL

// The subset of JQL the adapter writes: clauses joined by AND, each
// `(project in (A, B))`, `project in (...)`, `labels = "x"`, `cf[N] ~ "x"`,
// `labels is not EMPTY`, `cf[N] is not EMPTY`, `updated >= "yyyy-MM-dd
// HH:mm"`; then `ORDER BY updated|key ASC|DESC`. As /search/jql, a query
// without a restriction (unbounded) is refused.
const keyOrder = (a, b) => a.project.localeCompare(b.project) || Number(a.key.split('-')[1]) - Number(b.key.split('-')[1]);
function jql(q) {
  const m = /^(.*?)(?:\s*ORDER BY\s+(updated|key)\s+(ASC|DESC))?\s*$/is.exec(q);
  if (!m[1].trim()) return { error: 'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.' };
  const tests = [];
  for (let clause of m[1].split(/\s+AND\s+/i)) {
    clause = clause.trim().replace(/^\((.*)\)$/s, '$1').trim();
    let c;
    if ((c = /^project\s+in\s+\(([^)]*)\)$/i.exec(clause))) {
      const keys = c[1].split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
      tests.push((i) => keys.includes(i.project));
    } else if ((c = /^labels\s*=\s*"((?:[^"\\]|\\.)*)"$/.exec(clause))) {
      const want = c[1].replace(/\\(.)/g, '$1');
      tests.push((i) => i.labels.includes(want));
    } else if (/^labels\s+is\s+not\s+EMPTY$/i.test(clause)) {
      tests.push((i) => i.labels.length > 0);
    } else if ((c = /^cf\[(\d+)\]\s+is\s+not\s+EMPTY$/i.exec(clause))) {
      const field = `customfield_${c[1]}`;
      tests.push((i) => i.custom[field] !== undefined && i.custom[field] !== null && i.custom[field] !== '');
    } else if ((c = /^cf\[(\d+)\]\s*~\s*"((?:[^"\\]|\\.)*)"$/.exec(clause))) {
      const [field, want] = [`customfield_${c[1]}`, c[2].replace(/\\(.)/g, '$1')];
      tests.push((i) => typeof i.custom[field] === 'string' && i.custom[field].includes(want));
    } else if ((c = /^updated\s*>=\s*"(\d{4}-\d\d-\d\d \d\d:\d\d)"$/.exec(clause))) {
      const since = Date.parse(`${c[1].replace(' ', 'T')}:00Z`);
      tests.push((i) => i.updated >= since);
    } else {
      return { error: `Error in the JQL Query: cannot read ${JSON.stringify(clause)}.` };
    }
  }
  const by = m[2]?.toLowerCase() === 'key' ? keyOrder : (a, b) => a.updated - b.updated || a.id - b.id;
  return { match: (i) => tests.every((t) => t(i)), desc: m[3]?.toUpperCase() === 'DESC', ordered: !!m[2], by };
}

function search(params) {
  const q = jql(params.get('jql') ?? '');
  if (q.error) return errors(400, [q.error]);
  const size = Number(params.get('maxResults') ?? 50);
  const start = params.has('nextPageToken') ? Number(Buffer.from(params.get('nextPageToken'), 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) return errors(400, ['The nextPageToken is not valid.']);
  const visible = Date.now() - lagMs; // the search index lags behind writes
  let found = issues.filter((i) => i.created <= visible && q.match(i));
  if (q.ordered) found = found.slice().sort((a, b) => q.by(a, b) * (q.desc ? -1 : 1));
  const fields = (params.get('fields') ?? 'id').split(',');
  const page = found.slice(start, start + Math.min(size, 100));
  const body = { issues: page.map((i) => ({ id: i.id, key: i.key, self: self(`/rest/api/3/issue/${i.id}`), fields: fieldsOf(i, fields) })),
    isLast: start + page.length >= found.length };
  if (!body.isLast) body.nextPageToken = Buffer.from(String(start + page.length)).toString('base64url');
  return { status: 200, body };
}

// ---------------------------------------------------------------- the API

function api(method, url, b) {
  const p = url.pathname;
  let m;
  if (p === '/rest/servicedeskapi/request' && method === 'POST') return createRequest(b);
  if (p === '/rest/api/3/issue' && method === 'POST') return createIssue(b);
  if (p === '/rest/api/3/search/jql' && method === 'GET') return search(url.searchParams);
  if (p === '/rest/api/3/myself' && method === 'GET') return { status: 200, body: { ...US, self: self('/rest/api/3/myself'), accountType: 'atlassian' } };
  if ((m = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(p)) && method === 'GET') {
    const key = decodeURIComponent(m[1]);
    const pk = PROJECTS[key] ? key : Object.keys(PROJECTS).find((k) => PROJECTS[k].id === key);
    if (!pk) return errors(404, ['No project could be found with key \'' + key + '\'.']);
    return { status: 200, body: { id: PROJECTS[pk].id, key: pk, name: pk, self: self(`/rest/api/3/project/${PROJECTS[pk].id}`),
      issueTypes: Object.entries(PROJECTS[pk].issuetypes).map(([id, name]) => ({ id, name, self: self(`/rest/api/3/issuetype/${id}`) })) } };
  }
  if ((m = /^\/rest\/servicedeskapi\/servicedesk\/([^/]+)\/requesttype\/([^/]+)\/field$/.exec(p)) && method === 'GET') {
    if (!DESKS[m[1]]?.requestTypes[m[2]]) return { status: 404, body: { errorMessage: 'The request type does not exist.' } };
    const field = (fieldId, name) => ({ fieldId, name, required: fieldId === 'summary', visible: true, validValues: [], jiraSchema: { type: 'string' } });
    return { status: 200, body: { canRaiseOnBehalfOf: true, canAddRequestParticipants: true,
      requestTypeFields: [field('summary', 'Summary'), field('description', 'Description'), field('labels', 'Labels'), field('priority', 'Priority')] } };
  }
  if (!(m = /^\/rest\/(?:api\/3\/issue|servicedeskapi\/request)\/([^/]+)(\/[a-z]+)?$/.exec(p))) return errors(404, ['No such resource.']);
  const issue = find(decodeURIComponent(m[1]));
  if (!issue) return errors(404, ['Issue does not exist or you do not have permission to see it.']);
  const jsm = p.startsWith('/rest/servicedeskapi/');
  const sub = m[2] ?? '';
  if (jsm && sub === '/comment' && method === 'POST') {
    if (!issue.desk) return { status: 404, body: { errorMessage: 'This issue is not a customer request.' } };
    const c = addComment(issue, textAdf(unwiki(b.body ?? '')), US, b.public !== false, null);
    return { status: 201, body: { id: c.id, body: b.body, public: c.public, author: { accountId: US.accountId, displayName: US.displayName },
      created: dateDTO(c.created) } };
  }
  if (jsm) return errors(404, ['No such resource.']);
  if (sub === '' && method === 'GET') {
    const expand = (url.searchParams.get('expand') ?? '').split(',');
    const body = { id: issue.id, key: issue.key, self: self(`/rest/api/3/issue/${issue.id}`),
      fields: fieldsOf(issue, url.searchParams.get('fields')?.split(',')) };
    if (expand.includes('transitions') || expand.includes('transitions.fields')) {
      body.transitions = transitionsOf(issue, expand.includes('transitions.fields'));
    }
    return { status: 200, body };
  }
  if (sub === '/transitions' && method === 'GET') return { status: 200, body: { transitions: transitionsOf(issue, true) } };
  if (sub === '/transitions' && method === 'POST') return doTransition(issue, b, US);
  if (sub === '/comment' && method === 'GET') {
    const list = issue.comments.slice();
    if (url.searchParams.get('orderBy') === '-created') list.reverse();
    const max = Number(url.searchParams.get('maxResults') ?? 50);
    return { status: 200, body: { comments: list.slice(0, max).map(commentOut), startAt: 0, maxResults: max, total: list.length } };
  }
  if (sub === '/comment' && method === 'POST') {
    const p2 = adf(b.body);
    if (p2.length) return errors(400, [], { comment: `Comment body is not valid ADF: ${p2.join('; ')}` });
    const c = addComment(issue, b.body, US, !b.visibility, b.visibility ?? null);
    return { status: 201, body: commentOut(c) };
  }
  return errors(405, ['Method not allowed.']);
}

// ---------------------------------------------------------------- webhooks

function sign(text, secret = HOOK_SECRET) {
  return `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
}

async function pushHook(body, { signature, raw } = {}) {
  if (!broker) return { error: 'no --broker-url given' };
  const text = raw ?? JSON.stringify(body);
  const r = await simPost(new URL(`/v1/inbound/${encodeURIComponent(args.key)}`, broker), body, { ca: brokerCa, raw: text,
    headers: { 'x-hub-signature': signature ?? sign(text), 'x-atlassian-webhook-identifier': String(Date.now()) } });
  return r.error ? r : { status: r.status, body: r.body };
}

const hookIssue = (issue, full) => ({ id: issue.id, key: issue.key, self: self(`/rest/api/3/issue/${issue.id}`),
  fields: full ? fieldsOf(issue, ['summary', 'status', 'labels', 'updated', 'issuetype', 'priority', ...Object.keys(issue.custom)])
    : fieldsOf(issue, ['summary', 'status', 'issuetype', 'priority']) });

// POST /_sim/change: an agent's change of an issue (by id, key or leg id):
// a status reached through the workflow, a comment (public, or internal:
// JSM jsdPublic false / platform visibility), then the webhooks unless
// push is false.
async function agentChange(c) {
  const issue = find(c.issue);
  if (!issue) return { status: 404, body: { error: `no issue ${JSON.stringify(c.issue)}` } };
  const by = c.by ? { accountId: c.by, displayName: 'Someone' } : AGENT;
  const hooks = [];
  if (c.status !== undefined) {
    const t = WORKFLOW[issue.status].find((x) => x.to === c.status || x.name === c.status);
    if (!t) return { status: 409, body: { error: `the workflow offers no way from ${issue.status} to ${c.status}` } };
    const r = doTransition(issue, { transition: { id: t.id }, fields: t.resolution ? { resolution: { name: c.resolution ?? 'Done' } } : undefined }, by);
    if (r.status !== 204) return { status: 409, body: r.body };
    hooks.push({ timestamp: Date.now(), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', user: by,
      issue: hookIssue(issue, true), changelog: { id: String(nextComment++), items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status',
        from: STATUSES[r.from].id, fromString: r.from, to: STATUSES[issue.status].id, toString: issue.status }] } });
  }
  if (c.comment !== undefined) {
    const internal = c.internal === true;
    const vis = internal && !issue.desk ? { type: 'role', value: 'Developers' } : null;
    const cm = addComment(issue, textAdf(c.comment), by, !internal, vis);
    hooks.push({ timestamp: Date.now(), webhookEvent: 'comment_created', user: by, issue: hookIssue(issue, false),
      comment: commentOut(cm) });
  }
  const out = { issue: { id: issue.id, key: issue.key, status: issue.status }, hooks, pushed: [] };
  if (c.push !== false && broker) for (const h of hooks) out.pushed.push(await pushHook(h));
  log('change', { issue: issue.key, by: by.accountId, pushed: out.pushed.map((p) => p.status ?? p.error) });
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
    problems: () => problems,
    issues: () => issues.map((i) => ({ ...i, comments: i.comments.map((x) => ({ ...commentOut(x), text: adfText(x.body) })) })),
  } });
  if (answer) return answer;
  switch (p) {
  case '/_sim/mode':
    // normal; limit: 429 with Retry-After and/or X-RateLimit-Reset; status:
    // that answer (apply: after the request took effect); for count requests
    // whose "METHOD /path" starts with match (all when none)
    if (c.mode === 'normal') mode = { mode: 'normal' };
    else if (['limit', 'status'].includes(c.mode)) mode = { ...c, count: c.count ?? Infinity };
    else return { status: 400, body: { error: 'mode is normal, limit or status' } };
    return { status: 200, body: { ...mode, count: mode.count === Infinity ? null : mode.count } };
  case '/_sim/lag':
    lagMs = Number(c.ms ?? 0);
    return { status: 200, body: { ms: lagMs } };
  case '/_sim/change':
    return agentChange(c);
  case '/_sim/push': {
    const r = await pushHook(c.body, { raw: c.raw, signature: c.signature });
    return r.error ? { status: 502, body: r } : { status: 200, body: r };
  }
  default:
    return { status: 404, body: { error: 'no such control' } };
  }
}

// ---------------------------------------------------------------- the server

function authorized(req) {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  return m !== null && Buffer.from(m[1], 'base64').toString('utf8') === `${args.email}:${TOKEN}`;
}

// A request under /rest/: checked against the official document, then
// answered (or refused as the mode says), and the answer checked too.
function rest(req, url, raw, body, rec) {
  const doc = url.pathname.startsWith('/rest/servicedeskapi/') ? desk : platform;
  const found = doc ? doc.checkRequest({ method: req.method, url: req.url, headers: req.headers, body: raw }) : [];
  if (found.length) {
    problems.push({ request: `${req.method} ${req.url}`, problems: found });
    rec.problems = found;
    return errors(400, found);
  }
  if (!authorized(req)) return errors(401, ['Client must be authenticated to access this resource.']);
  const moded = mode.mode !== 'normal' && mode.count > 0 &&
    (!mode.match || `${req.method} ${url.pathname}`.startsWith(mode.match));
  if (mode.mode === 'limit' && moded) {
    mode.count--;
    const headers = { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'ratelimit-reason': 'jira-burst-based' };
    if (mode.retry_after != null) headers['retry-after'] = String(mode.retry_after);
    if (mode.reset_in != null) headers['x-ratelimit-reset'] = new Date(Date.now() + mode.reset_in * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    return { ...errors(429, ['Rate limit exceeded.']), headers };
  }
  let r = mode.mode === 'status' && moded && !mode.apply ? null : api(req.method, url, body.value ?? {});
  if (mode.mode === 'status' && moded) {
    mode.count--;
    rec.applied = r?.status ?? null;
    r = errors(mode.status, ['The simulator was told to answer so.']);
    if (mode.retry_after != null) r.headers = { 'retry-after': String(mode.retry_after) };
    return r;
  }
  const bad = doc ? doc.checkResponse(req.method, req.url, r.status, r.body) : [];
  if (bad.length) {
    problems.push({ answer: `${req.method} ${req.url} -> ${r.status}`, problems: bad });
    rec.answer_problems = bad;
  }
  return r;
}

simServe(cl, log, async (req, url, text) => {
  const raw = text ?? '';
  let body = { value: null };
  if (text === null) body = { error: 'body too large' };
  else if (raw !== '') {
    try { body = { value: JSON.parse(raw) }; } catch { body = { error: 'the body is not JSON' }; }
  }
  if (url.pathname.startsWith('/_sim/')) return control(req.method, url.pathname, body);
  const rec = { at: Date.now(), method: req.method, path: url.pathname + url.search,
    headers: { ...req.headers }, body: raw, json: body.value, answered: null };
  delete rec.headers.authorization; // never keep the token
  received.push(rec);
  let r;
  if (!url.pathname.startsWith('/rest/')) r = errors(404, ['No such resource.']);
  else if (body.error) r = errors(400, [body.error]);
  else r = rest(req, url, raw, body, rec);
  rec.answered = r.status;
  return r;
}, { fields: { email: args.email, broker: broker ? broker.origin : null, key: args.key } });
