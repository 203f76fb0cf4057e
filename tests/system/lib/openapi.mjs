// openapi.mjs - checks HTTP requests and answers against an official
// OpenAPI document, for the simulators and tests of the supplier adapters.
// A document is loaded from JSON or YAML (Swagger 2.0 is converted to
// OpenAPI 3 with swagger2openapi); an operation is found by method and
// path template under an optional base path; a request's path parameters,
// query parameters, content type and body, and an answer's body by status,
// are validated with ajv (a oneOf with a discriminator read as OpenAPI
// reads it). Used by the Jira and TMF621 simulators and tests.
// The official files are not in this repository (no license): they are
// found under KETEN_SPECS (default <repo>/../shared/specs); specFile()
// fails with a clear message when one is missing.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const YAML = require('yaml');

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

// The absolute path of rel under KETEN_SPECS; throws naming the variable
// when the file is not there.
export function specFile(rel) {
  const dir = process.env.KETEN_SPECS || path.join(ROOT, '..', 'shared', 'specs');
  const file = path.resolve(dir, rel);
  if (!existsSync(file)) {
    throw new Error(`the official API document ${JSON.stringify(rel)} is not at ${file}: ` +
      'set KETEN_SPECS to the folder that holds the saved specifications (see tests/sim/README.md)');
  }
  return file;
}

// A JSON pointer token.
const token = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, logger: false });
  addFormats(ajv);
  // OpenAPI's own formats that JSON Schema does not name
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password', 'uri-reference']) {
    if (!ajv.formats[f]) ajv.addFormat(f, true);
  }
  if (!ajv.formats.base64) ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv;
}

// v with every oneOf that has an OpenAPI discriminator read as the
// discriminator says: the schema its mapping names for the object's
// property (e.g. TMF's @type), any of the alternatives otherwise (JSON
// Schema's oneOf alone fails where two alternatives both match); and, with
// prefix, every local "$ref": "#/..." rewritten to "<prefix>#/..." (for a
// schema compiled apart from the document).
function discriminated(v, prefix = '') {
  if (Array.isArray(v)) return v.map((x) => discriminated(x, prefix));
  if (v === null || typeof v !== 'object') return v;
  const local = (ref) => (prefix && ref.startsWith('#/') ? `${prefix}${ref}` : ref);
  const out = Object.fromEntries(Object.entries(v).map(([k, x]) =>
    [k, k === '$ref' && typeof x === 'string' ? local(x) : discriminated(x, prefix)]));
  const d = out.discriminator;
  if (d?.propertyName && out.oneOf) {
    const picks = Object.entries(d.mapping ?? {}).map(([name, ref]) => ({
      if: { properties: { [d.propertyName]: { const: name } }, required: [d.propertyName] },
      then: { $ref: local(ref) },
    }));
    out.allOf = [...(out.allOf ?? []), { anyOf: out.oneOf }, ...picks];
    delete out.oneOf;
  }
  return out;
}

// Path templates of doc as [{template, re, names}], literal ones first.
function templates(doc) {
  return Object.keys(doc.paths ?? {}).map((template) => {
    const names = [];
    const re = new RegExp('^' + template.split(/(\{[^}]+\})/).map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (m) {
        names.push(m[1]);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    }).join('') + '$');
    return { template, re, names };
  }).sort((a, b) => a.names.length - b.names.length);
}

const str = (v) => JSON.stringify(v);

// What the errors of an ajv validation say, in one line each.
const said = (where, errors) => (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}` +
  (e.params && Object.keys(e.params).length ? ` ${str(e.params)}` : ''));

// A query or path value as its schema's type reads it; arrays split on
// commas (Jira and TMF take "fields=a,b") and repeated keys.
function coerce(values, schema) {
  const one = (v) => {
    const t = schema?.type;
    if ((t === 'integer' || t === 'number') && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (t === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
    return v;
  };
  if (schema?.type === 'array') return values.flatMap((v) => v.split(',')).map((v) => coerce([v], schema.items));
  return one(values[values.length - 1]);
}

export class OpenApi {
  // doc: an OpenAPI 3 document (already converted); base: the path prefix
  // requests carry before the document's paths (e.g. the server's
  // "/tmf-api/troubleTicket/v5"), "" when none; extraQuery(name, template,
  // method): true when a query parameter the document does not declare is
  // fine (TMF630's attribute filters such as lastUpdate.gt, sort).
  constructor(doc, { base = '', name = 'the API document', extraQuery = () => false } = {}) {
    this.doc = doc;
    this.base = base.replace(/\/$/, '');
    this.name = name;
    this.extraQuery = extraQuery;
    this.ajv = newAjv();
    this.ajv.addSchema(discriminated(doc), 'doc');
    this.paths = templates(doc);
    this.cache = new Map();
    this.compiled = new Map();
  }

  // The validator of the schema at JSON pointer ptr of the document.
  validator(ptr) {
    if (!this.cache.has(ptr)) this.cache.set(ptr, this.ajv.getSchema(`doc#${ptr}`));
    return this.cache.get(ptr);
  }

  // The validator of a parameter's schema (its "$ref"s into the document).
  paramValidator(schema) {
    const key = JSON.stringify(schema);
    if (!this.compiled.has(key)) this.compiled.set(key, this.ajv.compile(discriminated(schema, 'doc')));
    return this.compiled.get(key);
  }

  // The parameter object p, its $ref followed.
  deref(p) {
    let out = p;
    for (let i = 0; out?.$ref && i < 8; i++) {
      out = out.$ref.slice(2).split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
    }
    return out;
  }

  // {template, op, params, ptr} of method and the path (no query), or null.
  find(method, pathname) {
    let p = pathname;
    if (this.base) {
      if (!p.startsWith(this.base + '/') && p !== this.base) return null;
      p = p.slice(this.base.length) || '/';
    }
    for (const t of this.paths) {
      const m = t.re.exec(p);
      const op = m && this.doc.paths[t.template][method.toLowerCase()];
      if (!op) continue;
      const params = Object.fromEntries(t.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      return { template: t.template, op, params, ptr: `/paths/${token(t.template)}/${method.toLowerCase()}` };
    }
    return null;
  }

  // The problems of a request {method, url (path and query), headers,
  // body (text or undefined)}: [] when it follows the document.
  checkRequest({ method, url, headers = {}, body }) {
    const u = new URL(url, 'https://x');
    const found = this.find(method, u.pathname);
    if (!found) return [`${method} ${u.pathname} is no operation of ${this.name}`];
    const { op, template, params: pathParams, ptr } = found;
    const problems = [];
    const where = `${method} ${template}`;
    const declared = [...(this.doc.paths[template].parameters ?? []), ...(op.parameters ?? [])].map((p) => this.deref(p));
    for (const p of declared.filter((q) => q.in === 'path')) {
      const v = pathParams[p.name];
      const check = p.schema ? this.paramValidator(p.schema) : null;
      if (v === undefined || v === '') problems.push(`${where}: path parameter ${p.name} is empty`);
      else if (check && !check(coerce([v], p.schema))) problems.push(...said(`${where} path ${p.name}`, check.errors));
    }
    const query = declared.filter((q) => q.in === 'query');
    const keys = [...new Set(u.searchParams.keys())];
    for (const k of keys) {
      const p = query.find((q) => q.name === k);
      if (!p) {
        if (!this.extraQuery(k, template, method)) problems.push(`${where}: query parameter ${str(k)} is not in the document`);
        continue;
      }
      const check = p.schema ? this.paramValidator(p.schema) : null;
      if (check && !check(coerce(u.searchParams.getAll(k), p.schema))) problems.push(...said(`${where} query ${k}`, check.errors));
    }
    for (const p of query.filter((q) => q.required && !u.searchParams.has(q.name))) {
      problems.push(`${where}: query parameter ${p.name} is required`);
    }
    const rb = this.deref(op.requestBody);
    const hasBody = body !== undefined && body !== null && body !== '';
    if (!rb) {
      if (hasBody) problems.push(`${where} takes no body`);
      return problems;
    }
    if (!hasBody) {
      if (rb.required) problems.push(`${where} needs a body`);
      return problems;
    }
    const ct = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const media = Object.keys(rb.content ?? {}).find((m) => m.split(';')[0].trim().toLowerCase() === ct);
    if (!media) return [...problems, `${where}: content type ${str(ct)} is not one of ${str(Object.keys(rb.content ?? {}))}`];
    let json;
    try {
      json = typeof body === 'string' ? JSON.parse(body) : body;
    } catch {
      return [...problems, `${where}: the body is not JSON`];
    }
    const rbPtr = op.requestBody.$ref ? op.requestBody.$ref.slice(1) : `${ptr}/requestBody`;
    const check = rb.content[media].schema ? this.validator(`${rbPtr}/content/${token(media)}/schema`) : null;
    if (check && !check(json)) problems.push(...said(`${where} body`, check.errors));
    return problems;
  }

  // The problems of an answer with status and JSON body (undefined for
  // none) to method and path: [] when the document allows it (an error
  // status whose body the document does not describe passes).
  checkResponse(method, url, status, body) {
    const u = new URL(url, 'https://x');
    const found = this.find(method, u.pathname);
    if (!found) return [`${method} ${u.pathname} is no operation of ${this.name}`];
    const { op, template, ptr } = found;
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => op.responses?.[c]);
    const where = `${method} ${template} answer ${status}`;
    if (!code) return [`${where} is not in the document`];
    let res = op.responses[code];
    let resPtr = `${ptr}/responses/${token(code)}`;
    if (res.$ref) {
      resPtr = res.$ref.slice(1);
      res = this.deref(res);
    }
    const media = Object.keys(res.content ?? {}).find((m) => /json/.test(m));
    if (body === undefined || body === null || body === '') return [];
    // the documents often leave an error's body out (Jira's ErrorCollection):
    // a failure's body is then not checked, a success's must be named
    if (!media) return status >= 400 ? [] : [`${where}: the document names no JSON body`];
    if (!res.content[media].schema) return [];
    const check = this.validator(`${resPtr}/content/${token(media)}/schema`);
    return check(body) ? [] : said(`${where} body`, check.errors);
  }

  // The documented answer status (or its default) of method and path, or null.
  answerOf(method, url, status) {
    const found = this.find(method, new URL(url, 'https://x').pathname);
    return found ? this.deref(found.op.responses?.[String(status)] ?? found.op.responses?.default) ?? null : null;
  }

  // The content type the document gives answer status of method and path
  // (application/json when it names none).
  answerType(method, url, status) {
    return Object.keys(this.answerOf(method, url, status)?.content ?? {})[0] ?? 'application/json';
  }

  // true when the document names answer status of method and path itself
  // (not by its default).
  documents(method, url, status) {
    const found = this.find(method, new URL(url, 'https://x').pathname);
    return Boolean(found && String(status) in (found.op.responses ?? {}));
  }
}

// Loads the document at file (JSON or YAML; Swagger 2.0 converted) as an
// OpenApi; options as for the constructor.
export async function loadOpenApi(file, options = {}) {
  const text = readFileSync(file, 'utf8');
  let doc = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  if (doc.swagger === '2.0') {
    const converter = require('swagger2openapi');
    doc = (await converter.convertObj(doc, { patch: true, warnOnly: true })).openapi;
  }
  return new OpenApi(doc, { name: path.basename(file), ...options });
}

// The ADF validator of @atlaskit/adf-schema (its JSON Schema, draft-04
// keywords that draft-07 reads the same): a function doc -> problems.
export function adfChecker() {
  const schema = JSON.parse(readFileSync(require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json'), 'utf8'));
  delete schema.$schema;
  const check = newAjv().compile(schema);
  return (doc) => (check(doc) ? [] : said('ADF', check.errors).slice(0, 5));
}
