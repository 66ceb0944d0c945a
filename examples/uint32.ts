/** The largest protobuf uint32. */
const UINT32_MAX = 0xffff_ffff;

/**
 * `a + b`, capped at the uint32 maximum: counters kept in protobuf state saturate instead of
 * growing past what their field can encode (any history, however large, stays encodable).
 */
export function addUint32(a: number, b: number): number {
  return Math.min(a + b, UINT32_MAX);
}
