/**
 * The one-line routing variables: `ANGZARR_ROUTES` (`domain=address,…`), `ANGZARR_PROJECTORS`
 * (`name@address:domainA+domainB,…`), `ANGZARR_SAGAS` (`name@address:sourceDomain,…`) and
 * `ANGZARR_PROCESS_MANAGERS` (`name@address:pmDomain:sourceA+sourceB,…`).
 */
import type { ProcessManagerRoute, ProjectorRoute, SagaRoute } from "../delivery/routing.js";
import type { SettingValue } from "./settings.js";
import { ConfigError } from "./types.js";
import { checkAddress, checkDomain } from "./validate.js";

function entries(v: SettingValue | undefined): string[] {
  return v
    ? v.value
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e.length > 0)
    : [];
}

/** `ANGZARR_ROUTES`: command-handler address by domain. */
export function parseRoutes(v: SettingValue | undefined): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const entry of entries(v)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ConfigError(`${v!.setting}: invalid entry ${JSON.stringify(entry)} (expected domain=address)`);
    const domain = checkDomain(entry.slice(0, eq).trim(), v!.setting);
    routes[domain] = checkAddress(entry.slice(eq + 1).trim(), v!.setting);
  }
  return routes;
}

/** `name@address:rest` with the address possibly containing `:` (host:port). */
function splitComponent(entry: string, setting: string, expected: string): { name: string; address: string; rest: string } {
  const at = entry.indexOf("@");
  const colon = entry.lastIndexOf(":");
  if (at <= 0 || colon <= at + 1 || colon === entry.length - 1) {
    throw new ConfigError(`${setting}: invalid entry ${JSON.stringify(entry)} (expected ${expected})`);
  }
  return { name: entry.slice(0, at), address: checkAddress(entry.slice(at + 1, colon), setting), rest: entry.slice(colon + 1) };
}

/** `domainA+domainB`, each a valid domain. */
function domainList(text: string, setting: string): string[] {
  return text.split("+").map((d) => checkDomain(d.trim(), setting));
}

/** `ANGZARR_PROJECTORS`. */
export function parseProjectors(v: SettingValue | undefined): ProjectorRoute[] {
  return entries(v).map((entry) => {
    const { name, address, rest } = splitComponent(entry, v!.setting, "name@address:domainA+domainB");
    return { name, address, domains: domainList(rest, v!.setting) };
  });
}

/** `ANGZARR_SAGAS`. */
export function parseSagas(v: SettingValue | undefined): SagaRoute[] {
  return entries(v).map((entry) => {
    const { name, address, rest } = splitComponent(entry, v!.setting, "name@address:sourceDomain");
    return { name, address, sourceDomain: checkDomain(rest.trim(), v!.setting) };
  });
}

/** `ANGZARR_PROCESS_MANAGERS`. */
export function parseProcessManagers(v: SettingValue | undefined): ProcessManagerRoute[] {
  const expected = "name@address:pmDomain:sourceA+sourceB";
  return entries(v).map((entry) => {
    // The source list follows the last colon; the rest splits like a saga entry.
    const colon = entry.lastIndexOf(":");
    if (colon < 0) throw new ConfigError(`${v!.setting}: invalid entry ${JSON.stringify(entry)} (expected ${expected})`);
    const { name, address, rest } = splitComponent(entry.slice(0, colon), v!.setting, expected);
    return {
      name,
      address,
      pmDomain: checkDomain(rest.trim(), v!.setting),
      sourceDomains: domainList(entry.slice(colon + 1), v!.setting),
    };
  });
}
