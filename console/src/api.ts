/**
 * The admin API (`{issuer}/admin/api/v1`), the only thing the console talks to once signed in.
 * Errors arrive as RFC 9457 problems; their field-level `errors` are handed to the form that sent
 * the request.
 */
import { config } from './config.js';
import { currentSession } from './auth.js';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Raised when the token is gone or refused: the console asks the user to sign in again. */
export class SessionEnded extends Error {}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type Query = Record<string, string | undefined>;

function url(path: string, query: Query = {}): string {
  const target = new URL(`${config.api}${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') target.searchParams.set(name, value);
  return target.toString();
}

export async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const session = currentSession();
  if (!session) throw new SessionEnded('Your session has ended.');
  const headers: Record<string, string> = { authorization: `Bearer ${session.accessToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new SessionEnded('Your session has ended.');
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => undefined)) as (Partial<T> & { detail?: string; title?: string; errors?: FieldError[] }) | undefined;
  if (!response.ok) throw new ApiError(response.status, payload?.detail ?? payload?.title ?? `The request failed (${response.status}).`, payload?.errors ?? []);
  return payload as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => call<T>('GET', path, undefined, query),
  post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  delete: <T = void>(path: string, query?: Query) => call<T>('DELETE', path, undefined, query),
  page: <T>(path: string, cursor: string | null, query: Query = {}) => call<Page<T>>('GET', path, undefined, { ...query, cursor: cursor ?? undefined }),
};

/** Every item of a list, following its cursors: for pickers (scopes to associate, clients to choose). */
export async function all<T>(path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api.page<T>(path, cursor, { ...query, limit: '500' });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

export const segment = encodeURIComponent;
