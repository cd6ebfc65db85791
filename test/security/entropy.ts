/**
 * An entropy measurement over samples of a secret, for RFC 6819 §5.1.4.2.2 ("use high entropy
 * for secrets") and RFC 9700's ≥ 128 bits: a bit position counts as random when, across the
 * samples, it is neither stuck nor strongly biased (counters, timestamps and fixed prefixes show
 * up there); and the bytes of all samples together must be spread evenly over the 256 values
 * (chi-square), which encodings that correlate bits within a byte (hex, ASCII) are not.
 */
export interface EntropyMeasure {
  /** Bit positions that vary like coin flips across the samples. */
  randomBits: number;
  /** Σ H(p) over all positions: the Shannon estimate, for the report. */
  shannonBits: number;
  /** Whether the pooled bytes pass a chi-square test of uniformity. */
  uniformBytes: boolean;
  distinct: boolean;
}

/** Chi-square of the pooled bytes against uniform, 255 degrees of freedom: mean 255, deviation √510. */
function uniform(samples: Buffer[]): boolean {
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  for (const sample of samples) for (const byte of sample) (counts[byte]!++, total++);
  const expected = total / 256;
  const chi2 = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  // Six deviations above the mean: a CSPRNG exceeds it about once in 10^9 runs.
  return chi2 < 255 + 6 * Math.sqrt(510);
}

/**
 * With n samples a fair bit's frequency of ones has standard deviation 0.5/√n; the band
 * [0.15, 0.85] is over 5.5 deviations wide at n = 64, so a fair bit falls outside it about once
 * in 10^8 positions, while a stuck or heavily biased one never falls inside.
 */
const BAND = [0.15, 0.85] as const;

export function measureEntropy(samples: Buffer[]): EntropyMeasure {
  const length = Math.min(...samples.map((s) => s.length));
  let randomBits = 0;
  let shannonBits = 0;
  for (let bit = 0; bit < length * 8; bit++) {
    const ones = samples.filter((s) => (s[bit >> 3]! >> (7 - (bit & 7))) & 1).length;
    const p = ones / samples.length;
    if (p >= BAND[0] && p <= BAND[1]) randomBits++;
    if (p > 0 && p < 1) shannonBits += -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
  }
  const distinct = new Set(samples.map((s) => s.toString('hex'))).size === samples.length;
  return { randomBits, shannonBits: Math.round(shannonBits), uniformBytes: uniform(samples), distinct };
}

/** The secret part of a prefixed base64url token (`ghc_…`, `ghr_…`), as bytes. */
export function tokenBytes(token: string): Buffer {
  return Buffer.from(token.replace(/^[a-z]+_/, ''), 'base64url');
}
