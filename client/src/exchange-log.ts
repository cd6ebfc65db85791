/**
 * What the client tells an observer (the CLI's --verbose) about its OAuth traffic. Secrets are
 * masked here, before anything leaves the client, so no observer can print one by mistake.
 */
export interface ExchangeEvent {
  direction: 'request' | 'response';
  target: 'token endpoint' | 'API' | 'discovery';
  method?: string;
  url: string;
  status?: number;
  headers: Record<string, string>;
  /** Form or JSON fields of the body, masked; absent when there is none or it is not ours to show. */
  fields?: Record<string, unknown>;
}

export type ExchangeListener = (event: ExchangeEvent) => void;

/** Bearer tokens: their last characters are kept so two tokens can be told apart in a log (JWTs all begin alike). */
const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'registration_access_token']);
/** Secrets a prefix of which would already help a guesser: hidden entirely. */
const SECRET_FIELDS = new Set(['client_secret', 'password', 'api_key', 'code', 'code_verifier', 'client_assertion']);
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const TOKEN_SCHEMES = new Set(['bearer', 'oauth', 'dpop']);

export function mask(value: string, keepTail = false): string {
  return keepTail && value.length > 16 ? `…${value.slice(-4)}(${value.length} chars)` : '****';
}

export function maskFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => {
      if (typeof value !== 'string' || !value) return [name, value];
      if (TOKEN_FIELDS.has(name)) return [name, mask(value, true)];
      return [name, SECRET_FIELDS.has(name) ? mask(value) : value];
    }),
  );
}

export function maskHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!SECRET_HEADERS.has(lower)) out[lower] = value;
    else {
      // Keep the scheme (Basic, Bearer, OAuth): it is often what is wrong.
      const space = value.indexOf(' ');
      const scheme = space > 0 ? value.slice(0, space) : '';
      out[lower] = scheme ? `${scheme} ${mask(value.slice(space + 1), TOKEN_SCHEMES.has(scheme.toLowerCase()))}` : mask(value);
    }
  }
  return out;
}
