// Minimal typings for oidc-provider 9, which ships no .d.ts (its community
// typings live in @types/oidc-provider, not a dependency here). Only what
// bench/peers/oidc-provider.ts uses is declared; the configuration object is
// validated by oidc-provider itself at construction time.
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  type Configuration = Record<string, unknown>;

  class Provider {
    constructor(issuer: string, configuration?: Configuration);
    listen(port: number, host: string, callback?: () => void): Server;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  /** OAuth error classes; throwing one from a configuration hook yields that error response. */
  const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
  export { errors };
  export type { Configuration };
}
