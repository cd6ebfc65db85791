/**
 * The Expect header (RFC 9110 §10.1.1) is met by the gateway, never forwarded: undici refuses to
 * send it, and the point of `100-continue` is to learn before uploading whether the request will
 * be taken. Node would answer 100 Continue as soon as the headers arrive; the gateway holds it back
 * until the request has passed every check and is about to be forwarded, so a caller refused for
 * its token, its scope or its path gets the final answer without sending its body first (and Node
 * then closes the connection, the unsent body being unreadable). Other expectations are refused
 * with 417, as Node does, in problem JSON.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { endWithProblem } from './problem.js';

export class Expectations {
  /** Requests whose caller waits for 100 Continue before sending its body. */
  private readonly awaitingContinue = new WeakSet<IncomingMessage>();

  constructor(server: Server) {
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      this.awaitingContinue.add(request);
      server.emit('request', request, response);
    });
    server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      endWithProblem(response, { status: 417, title: 'Expectation failed', detail: 'the gateway meets no expectation but 100-continue' });
    });
  }

  /** Lets the caller send its body now, if it is waiting for the word. */
  continue(request: IncomingMessage, response: ServerResponse): void {
    if (this.awaitingContinue.delete(request)) response.writeContinue();
  }
}
