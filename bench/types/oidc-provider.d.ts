// Minimal typings for oidc-provider 9, which ships no .d.ts (its community
// typings live in @types/oidc-provider, not a dependency here). Only what
// bench/peers/oidc-provider.ts uses is declared; the configuration object is
// validated by oidc-provider itself at construction time.
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  type Configuration = Record<string, unknown>;

  /** The koa context, as far as a bench middleware reads and writes it. */
  interface Context {
    path: string;
    method: string;
    query: Record<string, string | string[] | undefined>;
    type: string;
    body: unknown;
  }

  interface ClientInstance {
    clientId: string;
  }

  class Grant {
    constructor(properties: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    /** Stores the grant; resolves with its id. */
    save(): Promise<string>;
  }

  class RefreshToken {
    constructor(properties: { accountId: string; client: ClientInstance; grantId: string; gty: string; scope: string; resource?: string; authTime?: number });
    /** Stores the token; resolves with its value. */
    save(): Promise<string>;
  }

  class Provider {
    constructor(issuer: string, configuration?: Configuration);
    listen(port: number, host: string, callback?: () => void): Server;
    on(event: string, listener: (...args: unknown[]) => void): this;
    /** Adds a koa middleware in front of the provider's routes. */
    use(middleware: (ctx: Context, next: () => Promise<unknown>) => Promise<unknown>): this;
    readonly Client: { find(id: string): Promise<ClientInstance | undefined> };
    readonly Grant: typeof Grant;
    readonly RefreshToken: typeof RefreshToken;
  }

  /** OAuth error classes; throwing one from a configuration hook yields that error response. */
  const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
  export { errors };
  export type { Configuration };
}

// oidc-provider's own in-memory adapter and its LRU store (no "exports" map, so deep imports
// resolve); the refresh mode uses them with a larger store.
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  export default class MemoryAdapter {
    constructor(model: string, store?: unknown, clockTolerance?: number);
  }
}

declare module 'oidc-provider/lib/helpers/lru.js' {
  export default class LRU {
    constructor(options: { maxSize: number });
  }
}
