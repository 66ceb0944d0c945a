/**
 * A schema-free view of protobuf bytes: a message is a list of fields (number, wire type,
 * value). The mutator uses it to change one field deep inside a valid request while keeping
 * the rest well-formed.
 */

/** Varint, 64-bit, length-delimited and 32-bit wire types (groups are not parsed). */
export type WireType = 0 | 1 | 2 | 5;

/** One field; `value` is the varint for wire type 0, else the raw bytes. */
export interface Field {
  no: number;
  wire: WireType;
  value: bigint | Buffer;
}

/** Reads a varint at `pos`; undefined when it is malformed or runs past the end. */
function readVarint(bytes: Buffer, pos: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  for (let shift = 0n, i = pos; i < bytes.length && shift < 70n; i++, shift += 7n) {
    value |= BigInt(bytes[i]! & 0x7f) << shift;
    if ((bytes[i]! & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

/** The fields of `bytes`, or undefined when they are not a well-formed message. */
export function parseFields(bytes: Buffer): Field[] | undefined {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const tag = readVarint(bytes, pos);
    if (!tag || tag.value > 0xffffffffn) return undefined;
    const no = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    pos = tag.next;
    if (no === 0) return undefined;
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      if (!v) return undefined;
      fields.push({ no, wire, value: v.value });
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > bytes.length) return undefined;
      fields.push({ no, wire, value: bytes.subarray(pos, pos + size) });
      pos += size;
    } else if (wire === 2) {
      const len = readVarint(bytes, pos);
      if (!len || len.next + Number(len.value) > bytes.length) return undefined;
      fields.push({ no, wire, value: bytes.subarray(len.next, len.next + Number(len.value)) });
      pos = len.next + Number(len.value);
    } else {
      return undefined;
    }
  }
  return fields;
}

/** Varint encoding of a non-negative value below 2^70 (longer than 10 bytes is allowed on purpose). */
export function varint(value: bigint): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** The tag of field `no` with wire type `wire`. */
export function tag(no: number, wire: number): Buffer {
  return varint((BigInt(no) << 3n) | BigInt(wire));
}

/** Encodes fields back to bytes. */
export function encodeFields(fields: readonly Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    parts.push(tag(f.no, f.wire));
    if (f.wire === 0) parts.push(varint(f.value as bigint));
    else if (f.wire === 2) parts.push(varint(BigInt((f.value as Buffer).length)), f.value as Buffer);
    else parts.push(f.value as Buffer);
  }
  return Buffer.concat(parts);
}
