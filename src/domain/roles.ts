/** Role names, as users hold them and scopes require them (GAM permissions, seed 001). */
import type { FieldError } from './errors.js';

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Roles are matched against every scope of each token issued to their user: a bound keeps that, and the rows, small. */
const MAX_ROLES = 100;

/**
 * A `roles` input: `base` when absent, the distinct names when valid, else `base` with a field
 * error pushed onto `errors`.
 */
export function parseRoles(value: unknown, base: string[], errors: FieldError[]): string[] {
  if (value === undefined) return base;
  if (!Array.isArray(value) || value.length > MAX_ROLES || value.some((role) => typeof role !== 'string' || !ROLE.test(role))) {
    errors.push({ field: 'roles', message: `roles must be an array of at most ${MAX_ROLES} role names (letters, digits, _ . : -)` });
    return base;
  }
  return [...new Set(value as string[])];
}
