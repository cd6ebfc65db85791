/**
 * RFC 9457 problem details for the admin API: validation 400 with field errors, 401 with a
 * bearer challenge, 403, 404, 405, 409, and the framework's 413 and 415. The error handler maps
 * every failure to one of these.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
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

export const forbidden = (detail: string) => new Problem(403, 'Forbidden', detail);

function fieldOf(error: { instancePath?: string; params?: Record<string, unknown> }, part: string): string {
  const path = (error.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = (error.params?.missingProperty ?? error.params?.additionalProperty) as string | undefined;
  const field = [path, extra].filter(Boolean).join('.');
  return field || part;
}

export function toProblem(error: unknown, log: Logger): Problem {
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
    const errors = fastifyError.validation.map((v) => {
      const params = v.params as Record<string, unknown>;
      const extra = params.additionalProperty ? `unknown field` : (v.message ?? 'is invalid');
      return { field: fieldOf(v, part), message: extra };
    });
    return new Problem(400, 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new Problem(fastifyError.statusCode, statusTitle(fastifyError.statusCode), describeFrameworkError(fastifyError));
  }
  log.error({ err: error }, 'unexpected error in the admin API');
  return new Problem(500, 'Internal error', 'the server could not complete the request');
}

export function problemErrorHandler(log: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, log);
    reply
      .code(problem.status)
      .headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...problem.headers })
      .send(JSON.stringify(problem.body(request.url.split('?')[0]!)));
  };
}
