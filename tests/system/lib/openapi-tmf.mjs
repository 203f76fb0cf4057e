// openapi-tmf.mjs - checks HTTP requests and answers against an official
// OpenAPI document, for the TMF621 simulator and tests: loads a JSON or
// YAML file (Swagger 2.0 converted with npm swagger2openapi), finds the
// operation by method and path under the document's server path, and
// validates path and query parameters, the content type and the body with
// ajv. TMF630 query parameters (attribute filters such as lastUpdate.gt,
// sort) are allowed where the caller's option says so. To be merged with
// the generic lib/openapi.mjs of issue 12's Jira part.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import YAML from 'yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const swagger2openapi = require('swagger2openapi');

// Every "$ref": "#/..." of v rewritten to "oas#/..." (the document is one
// schema in ajv under that id), and every oneOf with an OpenAPI
// discriminator read as the discriminator says: the schema its mapping
// names for the object's property (e.g. @type), any of them otherwise
// (JSON Schema's oneOf alone fails where two alternatives both match).
function rebase(v) {
	if (Array.isArray(v)) return v.map(rebase);
	if (v === null || typeof v !== 'object') return v;
	const out = Object.fromEntries(Object.entries(v).map(([k, x]) =>
		[k, k === '$ref' && typeof x === 'string' && x.startsWith('#/') ? `oas${x}` : rebase(x)]));
	const d = out.discriminator;
	if (d?.propertyName && out.oneOf) {
		const picks = Object.entries(d.mapping ?? {}).map(([name, ref]) => ({
			if: { properties: { [d.propertyName]: { const: name } }, required: [d.propertyName] },
			then: { $ref: ref.startsWith('#/') ? `oas${ref}` : ref },
		}));
		out.allOf = [...(out.allOf ?? []), { anyOf: out.oneOf }, ...picks];
		delete out.oneOf;
	}
	return out;
}

// The object a non-schema "$ref" (#/components/parameters/X, ...) names.
function deref(doc, v) {
	for (let n = 0; v && typeof v.$ref === 'string' && n < 8; n++) {
		v = v.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
	}
	return v;
}

// The OpenAPI 3 document in file (Swagger 2.0 converted).
export async function loadOpenApi(file) {
	const text = readFileSync(file, 'utf8');
	const raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
	if (raw.swagger === '2.0') return (await swagger2openapi.convertObj(raw, { patch: true, warnOnly: true })).openapi;
	return raw;
}

const mediaType = (ct) => String(ct ?? '').toLowerCase().replace(/\s+/g, '');

// A checker of doc's operations: request() and response() return a list
// of problems (strings), empty when the message follows the document.
// opts.extraQuery(name, op): 1 when an undeclared query parameter is fine.
export function openApiChecker(doc, opts = {}) {
	const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
	addFormats(ajv);
	ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
	ajv.addSchema({ $id: 'oas', components: rebase(doc.components ?? {}) });
	const compiled = new Map();
	const validate = (schema, value) => {
		const key = JSON.stringify(schema);
		if (!compiled.has(key)) compiled.set(key, ajv.compile(rebase(schema)));
		const fn = compiled.get(key);
		return fn(value) ? [] : fn.errors.map((e) => `${e.instancePath || '/'} ${e.message}` +
			(e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''));
	};
	const server = doc.servers?.[0] ?? { url: '/' };
	const base = new URL(server.url.replace(/\{([^}]+)\}/g, (_, v) => server.variables?.[v]?.default ?? ''),
		'https://x').pathname.replace(/\/$/, '');
	const routes = Object.entries(doc.paths).map(([p, ops]) => ({
		p, ops, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '([^/]+)')}/?$`),
		names: [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
	}));

	// {op, params} of method and the request path (with its base), or {problem}.
	function find(method, fullPath) {
		const url = new URL(fullPath, 'https://x');
		const rel = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : null;
		if (rel === null) return { problem: `${url.pathname} is not under ${base}` };
		for (const r of routes) {
			const m = r.re.exec(rel);
			if (!m) continue;
			const op = r.ops[method.toLowerCase()];
			if (!op) return { problem: `${method} ${r.p} is not an operation of the document` };
			const path = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
			const params = [...(r.ops.parameters ?? []), ...(op.parameters ?? [])].map((x) => deref(doc, x));
			return { op, path, params, query: url.searchParams, template: r.p };
		}
		return { problem: `no path of the document matches ${rel}` };
	}

	function param(p, value) {
		let v = value;
		const t = p.schema?.type;
		if (t === 'integer' || t === 'number') {
			if (!/^-?\d+(\.\d+)?$/.test(value)) return [`${p.in} parameter ${p.name}: ${JSON.stringify(value)} is not a number`];
			v = Number(value);
		}
		return validate(p.schema ?? {}, v).map((e) => `${p.in} parameter ${p.name}: ${e}`);
	}

	function request(method, fullPath, { contentType, body } = {}) {
		const f = find(method, fullPath);
		if (f.problem) return [f.problem];
		const problems = [];
		for (const p of f.params.filter((x) => x.in === 'path')) problems.push(...param(p, f.path[p.name] ?? ''));
		const declared = new Map(f.params.filter((x) => x.in === 'query').map((x) => [x.name, x]));
		for (const [name, value] of f.query) {
			if (declared.has(name)) problems.push(...param(declared.get(name), value));
			else if (!opts.extraQuery?.(name, f.template, method)) problems.push(`query parameter ${name} is not in the document`);
		}
		for (const p of declared.values()) if (p.required && !f.query.has(p.name)) problems.push(`query parameter ${p.name} is required`);
		const rb = deref(doc, f.op.requestBody);
		if (!rb) {
			if (body !== undefined && body !== null && body !== '') problems.push(`${method} ${f.template} takes no body`);
			return problems;
		}
		if (body === undefined || body === null || body === '') {
			if (rb.required) problems.push(`${method} ${f.template} needs a body`);
			return problems;
		}
		const types = Object.keys(rb.content ?? {});
		const ct = types.find((t) => mediaType(t) === mediaType(contentType));
		if (!ct) return [...problems, `content type ${contentType} is not one of ${types.join(', ')}`];
		problems.push(...validate(rb.content[ct].schema ?? {}, body).map((e) => `body ${e}`));
		return problems;
	}

	function response(method, fullPath, status, { contentType, body } = {}) {
		const f = find(method, fullPath);
		if (f.problem) return [f.problem];
		const r = deref(doc, f.op.responses?.[String(status)] ?? f.op.responses?.default);
		if (!r) return [`${method} ${f.template} documents no answer ${status}`];
		if (!r.content) return body === undefined || body === null || body === '' ? [] : [`answer ${status} has no body in the document`];
		if (body === undefined || body === null || body === '') return [];
		const types = Object.keys(r.content);
		const ct = types.find((t) => mediaType(t) === mediaType(contentType));
		if (!ct) return [`answer content type ${contentType} is not one of ${types.join(', ')}`];
		return validate(r.content[ct].schema ?? {}, body).map((e) => `answer ${status} ${e}`);
	}

	// The content type the document gives an answer of method fullPath status.
	function answerType(method, fullPath, status) {
		const f = find(method, fullPath);
		const r = f.problem ? null : deref(doc, f.op.responses?.[String(status)] ?? f.op.responses?.default);
		return Object.keys(r?.content ?? {})[0] ?? 'application/json';
	}

	// 1 when the document names answer status of method fullPath.
	function documents(method, fullPath, status) {
		const f = find(method, fullPath);
		return !f.problem && String(status) in (f.op.responses ?? {});
	}

	return { request, response, answerType, documents };
}
