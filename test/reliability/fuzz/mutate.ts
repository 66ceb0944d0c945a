/**
 * Mutations of a valid request: byte-level damage (bit flips, truncation, random bytes) and
 * structural damage to one field anywhere in the message tree (invalid UTF-8, out-of-range
 * enums and varints, huge declared lengths, deep nesting, dropped or repeated fields).
 */
import type { Prng } from "../support/prng.js";
import { encodeFields, parseFields, tag, varint, type Field } from "./wire.js";

/** The mutation kinds, in the order their weights are listed. */
export const MUTATIONS = [
  "none",
  "bit-flip",
  "truncate",
  "wrong-type",
  "huge-length",
  "deep-nesting",
  "deep-groups",
  "invalid-utf8",
  "out-of-range",
  "drop-field",
  "repeat-field",
  "splice",
  "random-bytes",
  "empty",
  "oversized",
] as const;
/** One mutation kind. */
export type Mutation = (typeof MUTATIONS)[number];

/** Relative frequency of each kind; `oversized` (> 10 MiB on the wire) stays rare. */
const WEIGHTS: Record<Mutation, number> = {
  none: 6,
  "bit-flip": 16,
  truncate: 10,
  "wrong-type": 6,
  "huge-length": 8,
  "deep-nesting": 5,
  "deep-groups": 4,
  "invalid-utf8": 10,
  "out-of-range": 12,
  "drop-field": 7,
  "repeat-field": 5,
  splice: 4,
  "random-bytes": 5,
  empty: 2,
  oversized: 0.15,
};
const TOTAL = MUTATIONS.reduce((sum, m) => sum + WEIGHTS[m], 0);

/** Larger than the coordinator's and the servers' receive limit (10 MiB). */
export const OVERSIZED_BYTES = 10 * 1024 * 1024 + 4096;

const INVALID_UTF8 = [
  [0xc3, 0x28],
  [0xff],
  [0xfe, 0xfe],
  [0xed, 0xa0, 0x80], // a lone UTF-16 surrogate
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xc0, 0xaf], // overlong "/"
  [0xe2, 0x82],
] as const;

const EXTREME_VARINTS = [99n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 69n];

/** Picks a mutation kind by weight. */
export function pickMutation(rng: Prng): Mutation {
  let x = rng.next() * TOTAL;
  for (const m of MUTATIONS) {
    x -= WEIGHTS[m];
    if (x < 0) return m;
  }
  return "none";
}

/**
 * Applies `kind` to `seed`. `other` supplies a valid request of another method (wrong type,
 * splice). When a structural mutation finds no suitable field, the bytes get a bit flip instead.
 */
export function mutate(kind: Mutation, seed: Buffer, rng: Prng, other: () => Buffer): Buffer {
  switch (kind) {
    case "none":
      return seed;
    case "bit-flip":
      return flipBits(seed, rng);
    case "truncate":
      return seed.subarray(0, rng.int(0, Math.max(0, seed.length - 1)));
    case "wrong-type":
      return other();
    case "huge-length":
      return rng.chance(0.5)
        ? hugeLengthAtEnd(seed, rng)
        : (editField(seed, rng, isLen, (f) => [{ ...f, value: hugeLength(rng) }]) ?? hugeLengthAtEnd(seed, rng));
    case "deep-nesting":
      return editField(seed, rng, isLen, (f) => [{ ...f, value: nested(f.value as Buffer, rng.int(50, 3000)) }]) ?? nested(seed, rng.int(50, 3000));
    case "deep-groups":
      return Buffer.concat([seed, deepGroups(rng.int(50, 5000), rng)]);
    case "invalid-utf8":
      return editField(seed, rng, isLen, (f) => [{ ...f, value: invalidUtf8(rng) }]) ?? flipBits(seed, rng);
    case "out-of-range":
      return (
        editField(
          seed,
          rng,
          (f) => f.wire === 0,
          (f) => [{ ...f, value: rng.pick(EXTREME_VARINTS) }],
        ) ?? flipBits(seed, rng)
      );
    case "drop-field":
      return (
        editField(
          seed,
          rng,
          () => true,
          () => [],
        ) ?? flipBits(seed, rng)
      );
    case "repeat-field":
      return (
        editField(
          seed,
          rng,
          () => true,
          (f) => Array.from({ length: rng.int(2, 40) }, () => f),
        ) ?? flipBits(seed, rng)
      );
    case "splice": {
      const b = other();
      return Buffer.concat([seed.subarray(0, rng.int(0, seed.length)), b.subarray(rng.int(0, b.length))]);
    }
    case "random-bytes":
      return rng.bytes(rng.int(1, 512));
    case "empty":
      return Buffer.alloc(0);
    case "oversized":
      return Buffer.concat([seed, tag(15_000, 2), varint(BigInt(OVERSIZED_BYTES)), Buffer.alloc(OVERSIZED_BYTES, 0x61)]);
  }
}

const isLen = (f: Field) => f.wire === 2;

function flipBits(bytes: Buffer, rng: Prng): Buffer {
  if (bytes.length === 0) return rng.bytes(rng.int(1, 8));
  const out = Buffer.from(bytes);
  for (let i = rng.int(1, 8); i > 0; i--) {
    const bit = rng.int(0, out.length * 8 - 1);
    out[bit >> 3]! ^= 1 << (bit & 7);
  }
  return out;
}

/** A length-delimited field declaring far more bytes than follow. */
function hugeLength(rng: Prng): Buffer {
  const declared = rng.pick([2n ** 31n - 1n, 2n ** 32n + 5n, 2n ** 62n, 10n * 1024n * 1024n * 1024n]);
  return Buffer.concat([tag(rng.int(1, 12), 2), varint(declared), rng.bytes(rng.int(0, 16))]);
}

function hugeLengthAtEnd(seed: Buffer, rng: Prng): Buffer {
  return Buffer.concat([seed, hugeLength(rng)]);
}

/** `inner` wrapped `depth` times as field 1 (then unknown field numbers) of nested messages. */
function nested(inner: Buffer, depth: number): Buffer {
  let out = inner;
  for (let i = 0; i < depth; i++) out = Buffer.concat([tag(i % 2 === 0 ? 1 : 9_999, 2), varint(BigInt(out.length)), out]);
  return out;
}

/** `depth` nested start-group tags of an unknown field, closed again (or left open). */
function deepGroups(depth: number, rng: Prng): Buffer {
  const open = tag(9_998, 3);
  const close = tag(9_998, 4);
  const closes = rng.chance(0.7) ? depth : rng.int(0, depth - 1);
  return Buffer.concat([...Array.from({ length: depth }, () => open), ...Array.from({ length: closes }, () => close)]);
}

function invalidUtf8(rng: Prng): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(1, 4); i > 0; i--) {
    parts.push(Buffer.from("ord".slice(0, rng.int(0, 3))), Buffer.from(rng.pick(INVALID_UTF8)));
  }
  return Buffer.concat(parts);
}

/**
 * Replaces one field chosen at random anywhere in the tree (descending into length-delimited
 * fields that parse as messages) by `edit(field)`; undefined when no field is accepted.
 */
function editField(bytes: Buffer, rng: Prng, accept: (f: Field) => boolean, edit: (f: Field) => Field[]): Buffer | undefined {
  const fields = parseFields(bytes);
  if (!fields || fields.length === 0) return undefined;
  for (const i of rng.shuffle(fields.map((_, i) => i))) {
    const field = fields[i]!;
    if (field.wire === 2 && rng.chance(0.6)) {
      const inner = editField(field.value as Buffer, rng, accept, edit);
      if (inner) {
        fields[i] = { ...field, value: inner };
        return encodeFields(fields);
      }
    }
    if (accept(field)) {
      fields.splice(i, 1, ...edit(field));
      return encodeFields(fields);
    }
  }
  return undefined;
}
