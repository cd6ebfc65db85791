/**
 * The limited actions and their fixed 60-second windows. Each kind reads one field of the
 * tenant's `rate_limits` setting (docs/configuration.md).
 */
import type { RateLimitSettings } from '../domain/tenant.js';

export const WINDOW_S = 60;

export const LIMIT_SETTING = {
  token_client: 'token_per_client_per_min',
  introspect_client: 'introspect_per_client_per_min',
  authorize_source: 'authorize_per_source_per_min',
  login_account: 'login_per_account_per_min',
  login_source: 'login_per_source_per_min',
} as const satisfies Record<string, keyof RateLimitSettings>;

export type LimitKind = keyof typeof LIMIT_SETTING;

export const windowStart = (nowS: number): number => Math.floor(nowS / WINDOW_S) * WINDOW_S;

/** Seconds until the window that started at `start` ends: Retry-After, at least 1. */
export const secondsLeft = (start: number, nowS: number): number => Math.max(1, Math.ceil(start + WINDOW_S - nowS));
