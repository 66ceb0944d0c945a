/**
 * Optional peer dependencies of the conformance runner: loaded on demand, and when one is not
 * installed the error names the package to install.
 */

/** An optional peer the command needs is not installed. */
export class MissingPeerError extends Error {
  override readonly name = "MissingPeerError";
}

/**
 * Imports `specifier` (from the optional peer `pkg`).
 * @throws MissingPeerError naming `npm install --save-dev <pkg>` when it cannot be found.
 */
export async function requirePeer<T = unknown>(specifier: string, pkg: string, why: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new MissingPeerError(`${pkg} is not installed; it is needed ${why}: npm install --save-dev ${pkg}`, { cause: err });
    }
    throw err;
  }
}
