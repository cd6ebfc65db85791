/** A positive number from the environment, or the default; rejects garbage instead of silently using NaN. */
export function envPositiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

export function envPositiveInteger(name: string, fallback: number): number {
  const value = envPositiveNumber(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${value}`);
  return value;
}
