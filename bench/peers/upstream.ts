// The upstream behind the gateway in bench/gateway.ts: plain node:http answering
// every request with the same small JSON body, as cheaply as node can, so the
// figures are those of the proxy in front of it. Launched as its own process by
// bench/lib/peer-process.ts.
//
// Env: PORT (required).
import { createServer } from 'node:http';

import { LOOPBACK } from '../lib/ports.js';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');

const body = Buffer.from(JSON.stringify({ id: '1', name: 'bench item', price_cents: 1299, in_stock: true }));
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };

const server = createServer((request, response) => {
  request.resume(); // discard any request body so the connection can be reused
  response.writeHead(200, headers);
  response.end(body);
});
// Longer than the pauses between benchmark rounds, so the proxies' pooled
// connections survive them and no round pays for reconnecting.
server.keepAliveTimeout = 60_000;

server.listen(port, LOOPBACK, () => {
  console.log(`upstream listening on http://${LOOPBACK}:${port}`);
});
