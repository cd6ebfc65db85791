/**
 * RFC 9457 problem details for the admin API: validation 400 with field errors, 401 with a
 * bearer challenge, 403, 404, 405, 409, and the framework's 413 and 415. The error handler maps
 * every failure to one of these.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConflictError, fieldPath, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
import { OAuthError } from '../oauth/errors.js';
import { isStoreUnavailable } from '../store/errors.js';
import { UnknownTenantError } from '../tenancy/resolve-tenant.js';
import { describeFrameworkError } from '../http/framework-errors.js';
import { problemType, statusTitle } from '../http/problem-names.js';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(instance: string): Record<string, unknown> {
    return {
      type: problemType(this.title),
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}


interface SchemaError {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The field a schema error is about, written as every field of this API is: `lockout.max_wait_s`, `redirect_uris[1]`. */
function fieldOf(error: SchemaError, part: string): string {
  const extra = (error.params?.missingProperty ?? error.params?.additionalProperty) as string | undefined;
  const segments = (error.instancePath ?? '').split('/').filter(Boolean).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  return fieldPath(extra === undefined ? segments : [...segments, extra]) || part;
}

type JsonSchema = Record<string, unknown>;

/** The schema a validation error's schemaPath ("#/properties/x/anyOf") points at, in the route's schema. */
function schemaAt(root: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

function range(min: unknown, max: unknown): string {
  if (typeof min === 'number' && typeof max === 'number') return ` from ${min} to ${max}`;
  if (typeof min === 'number') return ` ≥ ${min}`;
  if (typeof max === 'number') return ` ≤ ${max}`;
  return '';
}

/** What a schema accepts, as alternatives in words ("null", "an integer ≥ 1"); undefined when it cannot say. */
function alternatives(schema: JsonSchema): string[] | undefined {
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as JsonSchema[]).map(alternatives);
    return parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  if ('const' in schema) return [JSON.stringify(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value));
  switch (schema.type) {
    case 'null':
      return ['null'];
    case 'boolean':
      return ['true', 'false'];
    case 'integer':
      return [`an integer${range(schema.minimum, schema.maximum)}`];
    case 'number':
      return [`a number${range(schema.minimum, schema.maximum)}`];
    case 'string':
      return [typeof schema.maxLength === 'number' ? `a string of at most ${schema.maxLength} characters` : 'a string'];
    case 'array':
      return ['an array'];
    case 'object':
      return ['an object'];
    default:
      return undefined;
  }
}

const orList = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * Ajv reports a value that fits no branch of an anyOf (every nullable field) as one error per
 * branch ("must be >= 1", "must be null") plus "must match a schema in anyOf": an operator needs
 * one sentence saying what the field takes. Worded from the route's schema, else from the branches.
 */
function anyOfMessage(anyOf: SchemaError, branches: SchemaError[], schema: unknown): string {
  const node = schemaAt(schema, anyOf.schemaPath ?? '');
  const accepted = Array.isArray(node) ? alternatives({ anyOf: node }) : undefined;
  if (!accepted) return orList([...new Set(branches.map((branch) => branch.message ?? 'is invalid'))]);
  // A nullable field reads best with what null means first: "must be null or an integer ≥ 1".
  return `must be ${orList([...new Set(accepted)].sort((a, b) => Number(b === 'null') - Number(a === 'null')))}`;
}

/** The request part's validation errors as field errors, one message per anyOf. */
function fieldErrors(validation: SchemaError[], part: string, schema: unknown): FieldError[] {
  const anyOfs = validation.filter((v) => v.keyword === 'anyOf' && v.schemaPath);
  const branchesOf = (anyOf: SchemaError) => validation.filter((v) => v.schemaPath?.startsWith(`${anyOf.schemaPath}/`));
  const inBranch = new Set(anyOfs.flatMap(branchesOf));
  return validation
    .filter((v) => !inBranch.has(v))
    .map((v) => {
      const message = v.keyword === 'anyOf' ? anyOfMessage(v, branchesOf(v), schema) : v.params?.additionalProperty ? 'unknown field' : (v.message ?? 'is invalid');
      return { field: fieldOf(v, part), message };
    });
}

/** `schemas`: the route's schemas by request part, to word validation errors from. */
export function toProblem(error: unknown, log: Logger, schemas: Record<string, unknown> = {}): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof ValidationError) return new Problem(400, 'Validation failed', error.message, error.errors);
  if (error instanceof NotFoundError || error instanceof UnknownTenantError) return new Problem(404, 'Not found', error.message);
  if (error instanceof ConflictError) return new Problem(409, 'Conflict', error.message);
  if (error instanceof OAuthError) {
    return new Problem(error.status, statusTitle(error.status), error.description, undefined, error.headers);
  }
  if (isStoreUnavailable(error)) return new Problem(503, 'Service unavailable', 'the store is not reachable; retry shortly', undefined, { 'retry-after': '1' });
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const part = fastifyError.validationContext ?? 'body';
    const errors = fieldErrors(fastifyError.validation, part, schemas[part]);
    return new Problem(400, 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const detail = describeFrameworkError(fastifyError);
    // A 400 of the framework's is the body parser's (malformed JSON, a __proto__ key): a validation error like any other.
    const errors = fastifyError.statusCode === 400 ? [{ field: 'body', message: detail }] : undefined;
    return new Problem(fastifyError.statusCode, statusTitle(fastifyError.statusCode), detail, errors);
  }
  log.error({ err: error }, 'unexpected error in the admin API');
  return new Problem(500, 'Internal error', 'the server could not complete the request');
}

export function problemErrorHandler(log: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, log, (request.routeOptions.schema ?? {}) as Record<string, unknown>);
    reply
      .code(problem.status)
      .headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...problem.headers })
      .send(JSON.stringify(problem.body(request.url.split('?')[0]!)));
  };
}
