/**
 * One live region for outcomes ("Client deleted.") and one for failures, so screen readers hear
 * both without the focus moving.
 */
import { h } from '../dom.js';
import { ApiError, SessionEnded } from '../api.js';

export const statusRegion = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
export const alertRegion = h('div', { class: 'notice notice-error', role: 'alert' });

let sessionEndedHandler: () => void = () => undefined;
export const onSessionEnded = (handler: () => void): void => {
  sessionEndedHandler = handler;
};

export function notify(message: string): void {
  alertRegion.textContent = '';
  statusRegion.textContent = message;
}

export function fail(error: unknown): void {
  if (error instanceof SessionEnded) return sessionEndedHandler();
  statusRegion.textContent = '';
  alertRegion.textContent = error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** Runs an action from a button or page load; failures go to the alert region. */
export function guard<A extends unknown[]>(action: (...args: A) => Promise<unknown>): (...args: A) => void {
  return (...args: A) => {
    action(...args).catch(fail);
  };
}
