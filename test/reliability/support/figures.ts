/** The one line of figures each reliability part prints (stdout, so it lands in the TAP report too). */

/** `1234` → `1,234`. */
export function n(value: number): string {
  return value.toLocaleString("en-US");
}

/** Prints a figure line. */
export function figure(line: string): void {
  console.log(line);
}

/** `{A: 3, B: 1}` → `A 3, B 1`, largest first. */
export function tally(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(", ");
}
