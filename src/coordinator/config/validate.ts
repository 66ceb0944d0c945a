/** Checking a programmatic configuration, and the value checks the environment loader shares. */
import { domainProblem } from "../../core/names.js";
import { isLogFormat, isLogLevel } from "../../logger.js";
import { FAITHFUL_RETRY, FAST_RETRY, type CommandRetryPolicy } from "../pipeline/command-retry.js";
import { ConfigError, type CoordinatorConfig, type CoordinatorTlsConfig } from "./types.js";

const ADDRESS = /^(?:https?:\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** Throws unless `value` is `host:port`, `http(s)://host:port`, or a Unix socket path (`/…`, `./…`). */
export function checkAddress(value: string, setting: string): string {
  if (value.startsWith("/") || value.startsWith("./")) return value;
  const m = ADDRESS.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new ConfigError(
      `${setting}: invalid address ${JSON.stringify(value)} (expected host:port, http://host:port or a /path or ./path Unix socket)`,
    );
  }
  return value;
}

/** Throws unless `value` is a valid domain name (Angzarr's rules, as requests are checked). */
export function checkDomain(value: string, setting: string): string {
  const problem = domainProblem(value);
  if (problem) throw new ConfigError(`${setting}: invalid domain ${JSON.stringify(value)}: ${problem}`);
  return value;
}

/** Throws unless `value` is an integer from `min` to `max`. */
function checkInteger(value: number, setting: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${setting}: invalid value ${JSON.stringify(value)} (expected an integer from ${min} to ${max})`);
  }
  return value;
}

const RETRY_FIELDS = new Set(Object.keys(FAST_RETRY));

/** Resolves the retry setting to a full policy. */
export function resolveRetry(retry: CoordinatorConfig["retry"]): CommandRetryPolicy {
  if (retry === undefined || retry === "fast") return FAST_RETRY;
  if (retry === "faithful") return FAITHFUL_RETRY;
  if (typeof retry !== "object") throw new ConfigError(`retry: invalid value ${JSON.stringify(retry)} (expected "fast", "faithful" or a policy)`);
  // An unknown field (e.g. `maxRetries`, the count before it became `maxAttempts`) would
  // otherwise be ignored silently and the default used.
  const unknown = Object.keys(retry).filter((key) => !RETRY_FIELDS.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(`retry.${unknown[0]}: unknown field (expected ${[...RETRY_FIELDS].join(", ")})`);
  }
  const policy = { ...FAST_RETRY, ...retry };
  checkInteger(policy.maxAttempts, "retry.maxAttempts", 1, 1001);
  for (const field of ["initialDelayMs", "maxDelayMs", "multiplier"] as const) {
    if (!(policy[field] >= 0) || !Number.isFinite(policy[field])) {
      throw new ConfigError(`retry.${field}: invalid value ${JSON.stringify(policy[field])} (expected a non-negative number)`);
    }
  }
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) {
    throw new ConfigError(`retry.jitter: invalid value ${JSON.stringify(policy.jitter)} (expected a number from 0 to 1)`);
  }
  return policy;
}

/**
 * Check a configuration without starting anything ({@link startCoordinator} does it too).
 * @throws ConfigError naming the first unusable setting and its value.
 */
export function validateConfig(config: CoordinatorConfig): void {
  if (config.host !== undefined && config.host.length === 0) throw new ConfigError(`host: must not be empty`);
  if (config.port !== undefined) checkInteger(config.port, "port", 0, 65535);
  const storage = config.storage;
  if (storage && !["memory", "sqlite", "postgres"].includes(storage.type)) {
    throw new ConfigError(`storage.type: unknown storage type ${JSON.stringify(storage.type)} (expected sqlite, postgres or memory)`);
  }
  if (storage?.type === "postgres" && !storage.uri) throw new ConfigError("storage.uri: required for postgres storage");
  if (config.target) {
    checkDomain(config.target.domain, "target.domain");
    checkAddress(config.target.address, "target.address");
    if (Object.keys(config.routes ?? {}).length > 0) {
      throw new ConfigError("routes: cannot be combined with target (sidecar mode sends every command to the target)");
    }
  }
  for (const [domain, address] of Object.entries(config.routes ?? {})) {
    checkDomain(domain, "routes");
    checkAddress(address, `routes.${domain}`);
  }
  checkComponents("projectors", config.projectors, (p, at) => checkDomains(p.domains, `${at}.domains`));
  checkComponents("sagas", config.sagas, (s, at) => checkDomain(s.sourceDomain, `${at}.sourceDomain`));
  checkComponents("processManagers", config.processManagers, (p, at) => {
    checkDomain(p.pmDomain, `${at}.pmDomain`);
    checkDomains(p.sourceDomains, `${at}.sourceDomains`);
  });
  resolveRetry(config.retry);
  if (config.callTimeoutMs !== undefined) checkInteger(config.callTimeoutMs, "callTimeoutMs", 1, 2 ** 31 - 1);
  if (config.connectTimeoutMs !== undefined) checkInteger(config.connectTimeoutMs, "connectTimeoutMs", 1, 2 ** 31 - 1);
  if (config.upcaster?.address !== undefined) checkAddress(config.upcaster.address, "upcaster.address");
  if (config.logLevel !== undefined && !isLogLevel(config.logLevel)) {
    throw new ConfigError(`logLevel: invalid value ${JSON.stringify(config.logLevel)} (expected error, warn, info or debug)`);
  }
  if (config.logFormat !== undefined && !isLogFormat(config.logFormat)) {
    throw new ConfigError(`logFormat: invalid value ${JSON.stringify(config.logFormat)} (expected auto, json or text)`);
  }
  if (config.tls) validateTls(config.tls);
  if (config.maxConcurrentStreams !== undefined) checkInteger(config.maxConcurrentStreams, "maxConcurrentStreams", 1, 2 ** 31 - 1);
}

/**
 * The checks every component list shares: non-empty names unique within the list, a usable
 * address, then the component's own domains (`checkOwnDomains`, given `field[i]` for messages).
 */
function checkComponents<T extends { name: string; address: string }>(
  field: string,
  components: readonly T[] | undefined,
  checkOwnDomains: (component: T, at: string) => void,
): void {
  const names = new Set<string>();
  for (const [i, component] of (components ?? []).entries()) {
    const at = `${field}[${i}]`;
    if (!component.name) throw new ConfigError(`${at}.name: must not be empty`);
    if (names.has(component.name)) throw new ConfigError(`${at}.name: duplicate name ${JSON.stringify(component.name)}`);
    names.add(component.name);
    checkAddress(component.address, `${at}.address`);
    checkOwnDomains(component, at);
  }
}

/** A non-empty list of valid domains. */
function checkDomains(domains: readonly string[], setting: string): void {
  if (domains.length === 0) throw new ConfigError(`${setting}: must name at least one domain`);
  for (const domain of domains) checkDomain(domain, setting);
}

function validateTls(tls: CoordinatorTlsConfig): void {
  for (const item of ["cert", "key", "ca"] as const) {
    const given = [tls[item], tls[`${item}File`]].filter((v) => v !== undefined).length;
    if (given > 1) throw new ConfigError(`tls.${item}: give either ${item} or ${item}File, not both`);
    if (given === 0 && item !== "ca") throw new ConfigError(`tls.${item}: required (${item} or ${item}File)`);
  }
  if (tls.requireClientCert && tls.ca === undefined && tls.caFile === undefined) {
    throw new ConfigError("tls.requireClientCert: needs tls.ca or tls.caFile to verify client certificates");
  }
}
