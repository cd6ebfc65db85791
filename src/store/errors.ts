/**
 * Tells an unreachable or overloaded database apart from a bug: the former answers 503 and the
 * request may be retried; it must never be reported as a protocol error like invalid_grant.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY']);

export function isStoreUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // An HTTP error of the request itself (a client that hung up mid-body is ECONNRESET too) says nothing about the store.
  if (typeof (e as { statusCode?: unknown }).statusCode === 'number') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || SQLITE_CODES.has(code) || code.startsWith('SQLITE_IOERR')) return true;
  // PostgreSQL SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention: shutdown).
  if (/^(08|53|57)[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(message);
}
