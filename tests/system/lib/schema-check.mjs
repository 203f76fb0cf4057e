// schema-check.mjs - checks an API answer against a schema of
// schemas/openapi.json (components.schemas) with ajv, so that the tests of
// each endpoint hold real answers to the documented shape.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const doc = JSON.parse(readFileSync(new URL('../../../schemas/openapi.json', import.meta.url)));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });

// Fails the test unless value is valid against components.schemas[name].
export function checkSchema(name, value) {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  assert.ok(validate, `no schema ${name} in schemas/openapi.json`);
  assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(value)}`);
}
