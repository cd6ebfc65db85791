/** Small HTTP(S) servers the tests script: a token endpoint or an API answering what the test says. */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client certificate's subject CN, on HTTPS servers that asked for one. */
  peer?: string;
}

export interface LittleServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export type Answer = (request: Received) => Reply | Promise<Reply>;

export async function littleServer(answer: Answer, tls?: https.ServerOptions): Promise<LittleServer> {
  const received: Received[] = [];
  const handler: http.RequestListener = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', async () => {
      const socket = req.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate()?.subject?.CN : undefined;
      const request: Received = { method: req.method!, url: req.url!, headers: req.headers, body, ...(peer ? { peer: String(peer) } : {}) };
      received.push(request);
      const reply = await answer(request);
      const send = () => {
        const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers });
        res.end(text);
      };
      if (reply.delayMs) {
        const timer = setTimeout(send, reply.delayMs);
        res.on('close', () => clearTimeout(timer));
      } else send();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The form fields of a token request. */
export const fieldsOf = (request: Received): Record<string, string> => Object.fromEntries(new URLSearchParams(request.body));
