/**
 * How RFC 9457 problems are named, wherever they are written: the title is the status's reason
 * phrase unless something more precise applies ("Validation failed"), and the type follows the
 * title, so neither can contradict the status.
 */
import { STATUS_CODES } from 'node:http';

/** The status's reason phrase in the titles' sentence case: 413 → "Payload too large", 414 → "URI too long". */
export function statusTitle(status: number): string {
  const words = (STATUS_CODES[status] ?? 'Bad Request').split(' ');
  return words.map((word, i) => (i === 0 || word === word.toUpperCase() ? word : word.toLowerCase())).join(' ');
}

/** "Payload too large" → "urn:gatehouse:problem:payload-too-large". */
export function problemType(title: string): string {
  return `urn:gatehouse:problem:${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
}
