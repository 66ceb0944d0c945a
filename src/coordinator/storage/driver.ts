/**
 * Loads an optional database driver. The drivers are optional dependencies, so a missing or
 * broken one must surface as an actionable message rather than a bare module-resolution error.
 */
export async function loadDriver<T>(load: () => Promise<T>, backend: string, pkg: string, range: string): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${backend} storage needs the optional package ${pkg}: npm install ${pkg}@${range} (loading it failed: ${reason})`, { cause });
  }
}
