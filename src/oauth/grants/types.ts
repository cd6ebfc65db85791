/** The signature every grant shares (DESIGN.md §3): adding a grant is adding a file. */
import type { Client } from '../../domain/client.js';
import type { TenantContext } from '../../core/tenants.js';
import type { AccessTokens } from '../access-tokens.js';
import type { ScopeRegistry } from '../../core/scopes.js';
import type { Params } from '../params.js';
import type { UserTokens } from '../user-tokens.js';
import type { UserRegistry } from '../../core/users.js';
import type { Store } from '../../store/index.js';
import type { ChangeFeed } from '../../events/change-feed.js';
import type { ApiKeys } from '../../core/api-keys.js';

/** What grants may use: narrow on purpose, so a grant cannot reach around the layers. */
export interface GrantServices {
  accessTokens: AccessTokens;
  scopes: ScopeRegistry;
  userTokens: UserTokens;
  users: UserRegistry;
  store: Store;
  feed: ChangeFeed;
  apiKeys: ApiKeys;
}

export interface TokenRequestContext {
  tenant: TenantContext;
  client: Client;
  params: Params;
  services: GrantServices;
  /** The caller's address (behind a trusted balancer, the one it forwarded), for the audit log. */
  source: string;
}

/** RFC 6749 §5.1, plus what OpenID Connect and the seeds add. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
  [extension: string]: unknown;
}

export interface Grant {
  /** The grant_type value this handler answers. */
  type: string;
  /**
   * Whether the client may use this grant. Default: the tenant's allowed_grants and the client's
   * grant_types both list `type`. API keys answer to the client's api_key_enabled instead.
   */
  permits?(client: Client, tenant: TenantContext): boolean;
  handle(ctx: TokenRequestContext): Promise<TokenResponse>;
}
