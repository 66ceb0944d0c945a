/**
 * Checks a request to business logic before it is dispatched, so malformed input is answered
 * INVALID_ARGUMENT instead of failing deep inside business code.
 * @module
 */
import { InvalidArgumentError } from "../errors.js";

const UUID_BYTES = 16;

/**
 * Every cover in the request (books, commands, the sources of deferred sequences) must name its
 * root as a 16-byte UUID, as the coordinator requires of its own requests.
 * @throws InvalidArgumentError `Invalid UUID at request.<field path>: expected 16 bytes, found N`.
 */
export function checkRoots(request: unknown): void {
  const bad = badRoot(request);
  if (bad) throw new InvalidArgumentError(`Invalid UUID at request${bad.path}: expected ${UUID_BYTES} bytes, found ${bad.length}`);
}

/** The first cover root that is not 16 bytes, with its field path (built only when one is found). */
function badRoot(value: unknown): { path: string; length: number } | undefined {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badRoot(value[i]);
      if (bad) return { ...bad, path: `[${i}]${bad.path}` };
    }
    return undefined;
  }
  const fields = value as Record<string, unknown>;
  const root = (fields.root as { value?: unknown } | undefined)?.value;
  if (typeof fields.domain === "string" && root instanceof Uint8Array && root.length !== UUID_BYTES) {
    return { path: ".root", length: root.length };
  }
  for (const name in fields) {
    const bad = badRoot(fields[name]);
    if (bad) return { ...bad, path: `.${name}${bad.path}` };
  }
  return undefined;
}
