import type { ChildServer } from './child.js';
import type { LoadRequest } from './load.js';

/** A server under test, running in its own process, and the request to replay against it. */
export interface RunningTarget {
  /** What load replays; also used for the one-off verification request. */
  request: LoadRequest;
  /** How the process was started, for the record (e.g. "node dist/main.js serve"). */
  command: string;
  server: ChildServer;
  /** Stops the process and removes anything it was given (temp dirs, ...). */
  stop(): Promise<void>;
}
