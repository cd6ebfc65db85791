/** SQL over the space-separated scope lists that token and refresh-token rows keep. */
import { sql, type RawBuilder } from 'kysely';

/** Whether `column` lists `scopeName` among its space-separated names. */
export function listsScope(column: string, scopeName: string): RawBuilder<boolean> {
  const name = scopeName.replace(/[\\%_]/g, (c) => `\\${c}`);
  const list = sql.ref(column);
  return sql<boolean>`(${list} = ${scopeName} or ${list} like ${`${name} %`} escape '\\' or ${list} like ${`% ${name}`} escape '\\' or ${list} like ${`% ${name} %`} escape '\\')`;
}
