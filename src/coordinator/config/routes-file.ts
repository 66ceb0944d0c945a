/** Reading the `ANGZARR_ROUTES_FILE` JSON file and checking its shape (values are checked by validateConfig). */
import { readFileSync } from "node:fs";
import type { ProcessManagerRoute, ProjectorRoute, SagaRoute } from "../delivery/routing.js";
import { ConfigError } from "./types.js";

/** What a routes file may hold. */
export interface RoutesFile {
  /** Command-handler address by domain. */
  routes?: Record<string, string>;
  /** Projectors, as in the programmatic configuration. */
  projectors?: ProjectorRoute[];
  /** Sagas, as in the programmatic configuration. */
  sagas?: SagaRoute[];
  /** Process managers, as in the programmatic configuration. */
  processManagers?: ProcessManagerRoute[];
}

/**
 * Reads and parses the routes file at `path`.
 * @throws ConfigError naming `setting` when the file cannot be read, is not JSON or has the wrong shape.
 */
export function readRoutesFile(path: string, setting: string): RoutesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read routes file ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  const bad = (what: string) => new ConfigError(`${setting}: routes file ${JSON.stringify(path)}: ${what}`);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw bad("expected a JSON object");
  const file = parsed as Record<string, unknown>;
  const isStringMap = (x: unknown) =>
    typeof x === "object" && x !== null && !Array.isArray(x) && Object.values(x).every((a) => typeof a === "string");
  if (file.routes !== undefined && !isStringMap(file.routes)) throw bad('"routes" must map domains to address strings');
  const isArrayOf = (x: unknown, check: (e: Record<string, unknown>) => boolean) =>
    Array.isArray(x) && x.every((e) => typeof e === "object" && e !== null && check(e as Record<string, unknown>));
  const str = (x: unknown) => typeof x === "string";
  if (
    file.projectors !== undefined &&
    !isArrayOf(file.projectors, (e) => str(e.name) && str(e.address) && Array.isArray(e.domains) && e.domains.every(str))
  ) {
    throw bad('"projectors" must be an array of {name, address, domains: [..]}');
  }
  if (file.sagas !== undefined && !isArrayOf(file.sagas, (e) => str(e.name) && str(e.address) && str(e.sourceDomain))) {
    throw bad('"sagas" must be an array of {name, address, sourceDomain}');
  }
  if (
    file.processManagers !== undefined &&
    !isArrayOf(
      file.processManagers,
      (e) => str(e.name) && str(e.address) && str(e.pmDomain) && Array.isArray(e.sourceDomains) && e.sourceDomains.every(str),
    )
  ) {
    throw bad('"processManagers" must be an array of {name, address, pmDomain, sourceDomains: [..]}');
  }
  return file;
}
