/** Who performs a management action, for the audit log: a client or user id and the source address. */
export interface Actor {
  id: string;
  source: string | null;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', source: null };
