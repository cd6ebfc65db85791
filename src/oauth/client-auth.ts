/**
 * Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3):
 * client_secret_basic, client_secret_post, and none for public clients. Secrets are compared as
 * keyed hashes in constant time; an unknown client costs the same as a wrong secret. During a
 * rotation's overlap the replaced secret is accepted too, until its end time.
 */
import type { Client } from '../domain/client.js';
import { isConfidential } from '../domain/client.js';
import type { ClientRegistry } from '../core/clients.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomToken } from '../crypto/random.js';
import { nowS } from '../domain/time.js';
import { invalidClient, invalidRequest } from './errors.js';
import type { Params } from './params.js';
import type { FastifyRequest } from 'fastify';
import { repeatsAuthorization } from '../http/authorization-header.js';

export interface PresentedCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function decodeBasicPart(part: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('malformed HTTP Basic credentials', true);
  }
  // PostgreSQL text cannot hold NUL: such a client id must fail here, not in the store.
  if (decoded.includes('\u0000')) throw invalidClient('malformed HTTP Basic credentials', true);
  return decoded;
}

export function presentedCredentials(request: FastifyRequest, body: Params): PresentedCredentials {
  if (repeatsAuthorization(request.raw.rawHeaders)) throw invalidRequest('the request has more than one Authorization header');
  const { authorization } = request.headers;
  // A bare "Basic" is a failed Basic attempt too: it must get the Basic challenge (RFC 6749 §5.2).
  const basic = authorization !== undefined && /^basic(\s|$)/i.test(authorization);
  if (basic) {
    if (body.client_secret !== undefined) throw invalidRequest('use one client authentication method: HTTP Basic or client_secret in the body, not both');
    const decoded = Buffer.from(authorization.slice(5).trim(), 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) throw invalidClient('malformed HTTP Basic credentials', true);
    const clientId = decodeBasicPart(decoded.slice(0, sep));
    if (body.client_id !== undefined && body.client_id !== clientId) throw invalidRequest('client_id in the body differs from the HTTP Basic user');
    return { clientId, clientSecret: decodeBasicPart(decoded.slice(sep + 1)), method: 'client_secret_basic' };
  }
  if (body.client_secret !== undefined) return { clientId: body.client_id, clientSecret: body.client_secret, method: 'client_secret_post' };
  return { clientId: body.client_id, clientSecret: undefined, method: 'none' };
}

export class ClientAuthenticator {
  private readonly decoyHash: string;

  constructor(
    private readonly clients: ClientRegistry,
    private readonly secret: ServerSecret,
  ) {
    // Of a value nobody knows, so comparing against it never succeeds.
    this.decoyHash = secret.hash(randomToken(256));
  }

  /**
   * The authenticated client. Confidential clients may use Basic or post (both carry the same
   * secret; the seeds use each); public clients authenticate with none.
   */
  async authenticate(tenantId: string, presented: PresentedCredentials): Promise<Client> {
    const triedBasic = presented.method === 'client_secret_basic';
    if (!presented.clientId) throw invalidClient('client authentication is required (HTTP Basic, or client_id and client_secret in the body)', triedBasic);
    const client = await this.clients.get(tenantId, presented.clientId);
    if (presented.method === 'none') {
      if (!client || isConfidential(client)) throw invalidClient('client authentication failed', false);
      return this.usable(client, triedBasic);
    }
    const secret = presented.clientSecret ?? '';
    // Both comparisons always run: timing tells neither whether the client exists nor whether an overlap is running.
    const current = this.secret.verify(secret, client?.secretHash ?? this.decoyHash);
    const previous = this.secret.verify(secret, client?.previousSecret?.hash ?? this.decoyHash);
    if (!client || !client.secretHash || !(current.ok || previous.ok)) throw invalidClient('client authentication failed', triedBasic);
    const now = nowS();
    // RFC 6749 §5.2: an expired secret is a failed client authentication.
    if (current.ok && client.secretExpiresAt !== 0 && client.secretExpiresAt <= now) throw invalidClient('the client secret has expired', triedBasic);
    if (!current.ok && (client.previousSecret?.expiresAt ?? 0) <= now) throw invalidClient('the client secret was replaced and its overlap with the new one has ended', triedBasic);
    if (current.stale || previous.stale) void this.clients.rehashSecret(client, secret).catch(() => {});
    return this.usable(client, triedBasic);
  }

  private usable(client: Client, triedBasic: boolean): Client {
    if (!client.active) throw invalidClient('the client is deactivated', triedBasic);
    return client;
  }
}
