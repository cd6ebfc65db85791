/**
 * Fastify gives every request a child of the server's logger, bound to its request id. pino makes
 * a child of a logger with redaction through fast-redact, which cost the gateway about 1.3 µs a
 * request (a third of its whole token check) for loggers that almost no request writes to:
 * requests are not logged, and errors go to the server's logger. So the child is made when a
 * request first writes a line, or reads or sets its level.
 */
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';
import type { FastifyBaseLogger } from 'fastify';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// The level methods are added to the prototype below, one loop for the seven of them.
interface LazyChildLogger extends Pick<FastifyBaseLogger, (typeof LEVELS)[number]> {}

class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The real child, made on first use. */
  get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.logger.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

// On the prototype, not as arrow-function fields: seven closures per request would cost much of
// what the laziness saves.
for (const level of LEVELS) {
  LazyChildLogger.prototype[level] = function (this: LazyChildLogger, ...args: Parameters<LogFn>) {
    this.logger[level](...args);
  };
}

/** Fastify's `childLoggerFactory`. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
