import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked
 * against the Compose Specification's own JSON Schema (../shared/schemas), and
 * for the parts of the house it must contain.
 */
const root = path.resolve(__dirname, '../..');
const schemaFile = path.resolve(root, '../shared/schemas/compose-spec.json');

/**
 * The spec names its meta-schema "https://json-schema.org/draft-07/schema", an
 * alias Ajv does not register (it knows the http form), so compile it without
 * that key: draft-07 is Ajv's default dialect anyway.
 */
function composeSchemaValidator(ajv: Ajv) {
  const { $schema: _draft07, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8'));
  return ajv.compile(schema);
}

describe('docker-compose.yml', () => {
  // Compose applies YAML merge keys (<<: *anchor), as YAML 1.1 did.
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });

  it('validates against the compose-spec JSON Schema', () => {
    expect(existsSync(schemaFile)).toBe(true);
    const validate = composeSchemaValidator(new Ajv({ strict: false, allErrors: true, validateFormats: false }));
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check is not vacuous: an unknown service key is rejected', () => {
    const validate = composeSchemaValidator(new Ajv({ strict: false, validateFormats: false }));
    expect(validate({ services: { x: { image: 'a', imagee: 'typo' } } })).toBe(false);
  });

  it('defines the infrastructure, the five services and the observability extras', () => {
    const services = Object.keys(compose.services);
    for (const name of [
      'postgres', 'redis', 'kafka', 'openbao', 'prometheus', 'jaeger',
      'user-service', 'product-service', 'order-service', 'payment-service', 'notification-service',
      'openbao-init', 'user-service-migrate', 'order-service-migrate',
      'grafana', 'loki', 'tempo', 'otel-collector',
    ]) {
      expect(services).toContain(name);
    }
  });

  it('holds no literal secret: credentials come from interpolated variables', () => {
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    // A *_FILE variable names where a secret is mounted (OPENBAO_SECRET_ID_FILE), not the secret.
    const secretLine = (l: string) => /(PASSWORD|TOKEN|SECRET)[A-Z_]*\s*[:=]/.test(l) && !/[A-Z_]*_FILE\s*:/.test(l);
    for (const line of text.split('\n').filter(secretLine)) {
      expect(line).toMatch(/\$\{[A-Z0-9_]+(:\?[^}]*)?\}/);
    }
  });
});
