/**
 * Fastify gives every request a child of the server's logger, bound to its request id. pino makes
 * a child of a logger with redaction through fast-redact, which cost the gateway about 1.3 µs a
 * request (a third of its whole token check) for loggers that almost no request writes to:
 * requests are not logged, and errors go to the server's logger. So the child is made when a
 * request first writes a line, or reads or sets its level.
 */
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { FastifyBaseLogger } from 'fastify';

/** pino's widest call form; the narrower overloads of LogFn are special cases of it. */
type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.logger.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  // Methods on the prototype, not arrow-function fields: seven closures per request would cost
  // much of what the laziness saves.
  fatal(...args: LogArgs): void {
    this.logger.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.logger.error(...args);
  }
  warn(...args: LogArgs): void {
    this.logger.warn(...args);
  }
  info(...args: LogArgs): void {
    this.logger.info(...args);
  }
  debug(...args: LogArgs): void {
    this.logger.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.logger.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.logger.silent(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
