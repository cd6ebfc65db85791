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

/**
 * Which names are a secret's. Names are compared in lower case, letters and digits only, so
 * `access_token`, `accessToken` and `X-Access-Token` are alike. A header is secret when its name
 * contains one of these words anywhere; a body field when its name ends with one (`token_type`,
 * `expires_in` describe a token and stay readable), or is `code` or `device_code`.
 */
const SECRET_WORDS = ['token', 'secret', 'password', 'passwd', 'key', 'cookie', 'session', 'assertion', 'verifier', 'authorization'];
const SECRET_FIELDS = new Set(['code', 'devicecode']);
/** RFC 9110 credentials: their scheme (Basic, Bearer, OAuth) is kept, as it is often what is wrong. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxyauthorization']);
const TOKEN_SCHEMES = new Set(['bearer', 'oauth', 'dpop']);
/** A JWT is a token whatever it is called. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const JWT_WHOLE = new RegExp(`^${JWT.source}$`);
/** The whole text is `name=value&...`: a form body, whatever its Content-Type says. */
const FORM = /^[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*$/;

const normalized = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const secretField = (name: string) => SECRET_FIELDS.has(normalized(name)) || SECRET_WORDS.some((word) => normalized(name).endsWith(word));
/** Bearer tokens: their last characters are kept so two tokens can be told apart in a log (JWTs all begin alike). */
const tokenField = (name: string) => normalized(name).endsWith('token');

const secretHeader = (name: string): boolean => SECRET_WORDS.some((word) => normalized(name).includes(word));

/** Any other secret is hidden entirely: even part of a password or key helps a guesser. */
export function mask(value: string, keepTail = false): string {
  return keepTail && value.length > 16 ? `…${value.slice(-4)}(${value.length} chars)` : '****';
}

function maskValue(value: unknown, name?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => maskValue(item, name));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskValue(inner, key)]));
  if (typeof value !== 'string' || !value) return value;
  if (name !== undefined && secretField(name)) return mask(value, tokenField(name));
  return JWT_WHOLE.test(value) ? mask(value, true) : value;
}

/** Form or JSON fields, nested ones included. */
export function maskFields(fields: Record<string, unknown>): Record<string, unknown> {
  return maskValue(fields) as Record<string, unknown>;
}

/** JSON.parse, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** A response body as an error message may quote it: a JSON or form body with its fields masked, other text with any JWT in it masked. */
export function maskBody(text: string): string {
  const json = parseJson(text);
  if (json && typeof json === 'object') return JSON.stringify(maskValue(json));
  const trimmed = text.trim();
  if (FORM.test(trimmed)) return Object.entries(maskFields(Object.fromEntries(new URLSearchParams(trimmed)))).map(([name, value]) => `${name}=${String(value)}`).join('&');
  return text.replace(JWT, (jwt) => mask(jwt, true));
}

export function maskHeaderValue(name: string, value: string): string {
  if (!secretHeader(name)) return JWT_WHOLE.test(value) ? mask(value, true) : value;
  const space = value.indexOf(' ');
  if (!CREDENTIAL_HEADERS.has(normalized(name)) || space <= 0) return mask(value);
  const scheme = value.slice(0, space);
  return `${scheme} ${mask(value.slice(space + 1), TOKEN_SCHEMES.has(scheme.toLowerCase()))}`;
}

export function maskHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name.toLowerCase()] = maskHeaderValue(name, value);
  return out;
}
