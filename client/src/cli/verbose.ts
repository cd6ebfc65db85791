/** --verbose: each exchange on stderr, curl-style (`>` sent, `<` received), secrets already masked by the client. */
import type { ExchangeEvent } from '../exchange-log.js';

export function printExchange(event: ExchangeEvent, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const arrow = event.direction === 'request' ? '>' : '<';
  write(event.direction === 'request' ? `* ${event.target}: ${event.method} ${event.url}` : `* ${event.target}: HTTP ${event.status} from ${event.url}`);
  for (const [name, value] of Object.entries(event.headers)) write(`${arrow} ${name}: ${value}`);
  if (event.fields) write(`${arrow} ${JSON.stringify(event.fields)}`);
}
