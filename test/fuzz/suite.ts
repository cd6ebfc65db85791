/** The hooks every fuzz suite shares: a target started before its properties, its request count reported, closed after. */
import { after, before } from 'node:test';
import { startFuzzTarget, type FuzzTarget } from './target.js';
import type { TestDatabase } from '../helpers/databases.js';
import { Prober } from './probe.js';

export interface FuzzContext {
  target: FuzzTarget;
  prober: Prober;
}

/** Call inside a describe: the returned context is filled in before its tests run. */
export function useFuzzTarget(label: string, database: TestDatabase): FuzzContext {
  const context = {} as FuzzContext;
  before(async () => {
    context.target = await startFuzzTarget(database);
    context.prober = new Prober(context.target.snapshot);
  });
  after(async () => {
    console.log(`# fuzz: ${label} on ${database.name}: ${context.prober?.count ?? 0} requests`);
    await context.target?.close();
  });
  return context;
}
