/**
 * Server-rendered pages: no JavaScript, no third-party resources, a strict CSP whose only
 * allowance is the hash of the one inline stylesheet.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

const CSS = `body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #b7bdc9;border-radius:4px;font-size:1rem}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:4px;font-size:1rem;cursor:pointer;background:#1f5fd1;color:#fff}
button.secondary{background:#e4e7ee;color:#1d2330;margin-left:.5rem}.error{color:#a4161a;background:#fde8e8;padding:.6rem;border-radius:4px}
ul.scopes{list-style:none;padding:0}ul.scopes li{padding:.4rem 0;border-bottom:1px solid #eee}ul.scopes label{display:inline;font-weight:600}
.desc{display:block;color:#5a6272;font-size:.9rem;margin-left:1.6rem}.muted{color:#5a6272;font-size:.9rem}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
@media (max-width:30rem){main{margin:1rem;padding:1.2rem}input[type=checkbox]{width:1.2rem;height:1.2rem}}`;

const STYLE_HASH = createHash('sha256').update(CSS).digest('base64');

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Sends a page with the headers every HTML page carries (clickjacking, referrer, caching). */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string, formTargets: string[] = []): FastifyReply {
  const formAction = ["'self'", ...formTargets].join(' ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>${body}</main></body></html>`);
}

/** What a page's form-action must allow for a form whose answer may redirect to `uri`. */
export function originOf(uri: string): string {
  const url = new URL(uri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}
