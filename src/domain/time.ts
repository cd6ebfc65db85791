/** Whole seconds since the epoch: the unit of every stored time and JWT claim. */
export function nowS(): number {
  return Math.floor(Date.now() / 1000);
}
