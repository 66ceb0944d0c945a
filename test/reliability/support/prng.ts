/**
 * Seeded randomness for the reliability suite: every random choice comes from one of these
 * generators, so a failing run is reproduced with `ANGZARR_FUZZ_SEED=<printed seed>`.
 */

/** A small deterministic generator (mulberry32) with the helpers the suites need. */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** An independent generator derived from this one (for parallel workers). */
  fork(): Prng {
    return new Prng(this.int(0, 0xffffffff));
  }
}

/**
 * The run's seed: `ANGZARR_FUZZ_SEED` when set (decimal or 0x-hex), else a fresh one. Each
 * suite prints it with its figure line.
 */
export function runSeed(): number {
  const text = process.env.ANGZARR_FUZZ_SEED?.trim();
  if (text) {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new Error(`ANGZARR_FUZZ_SEED: expected an integer from 0 to 4294967295, got ${JSON.stringify(text)}`);
    }
    return value;
  }
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
