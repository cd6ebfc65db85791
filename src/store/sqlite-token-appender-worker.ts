/**
 * The token appender's thread (sqlite-token-appender.ts): its own connection to the SQLite file,
 * one prepared insert, and one transaction per batch, answered in the order received.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-connection.js';
import type { AppenderData, AppenderRequest, AppenderResult } from './sqlite-token-appender.js';
import type { TokenRow } from './schema.js';

// Every column of TokenRow: the compiler refuses this object when the row gains or loses one.
const COLUMNS = Object.keys({
  jti: true,
  tenant_id: true,
  client_id: true,
  subject: true,
  scope: true,
  grant_type: true,
  kid: true,
  issued_at: true,
  expires_at: true,
  never_expires: true,
  family_id: true,
  revoked_at: true,
  revoked_reason: true,
} satisfies Record<keyof TokenRow, true>);

const port = parentPort!;
const db = openSqlite((workerData as AppenderData).file);
const insert = db.prepare(`INSERT INTO tokens (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((column) => `@${column}`).join(', ')})`);
const insertAll = db.transaction((rows: TokenRow[]) => {
  for (const row of rows) insert.run(row);
});

port.on('message', (request: AppenderRequest) => {
  if (request.kind === 'close') {
    db.close();
    process.exit(0);
  }
  let result: AppenderResult = {};
  try {
    // IMMEDIATE takes the write lock up front, waiting out busy_timeout if another process holds it.
    insertAll.immediate(request.rows);
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    result = { error: { message: String(message), ...(typeof code === 'string' ? { code } : {}) } };
  }
  port.postMessage(result);
});
