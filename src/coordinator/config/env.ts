/**
 * Loading a configuration from the environment (the reference's variable names, COORDINATOR.md
 * §15–§16), overridden by command-line flags.
 */
import { isLogFormat, isLogLevel } from "../../logger.js";
import type { StorageConfig } from "../storage/index.js";
import { FLAG_ENV, parseFlags } from "./flags.js";
import { parseProcessManagers, parseProjectors, parseRoutes, parseSagas } from "./route-specs.js";
import { readRoutesFile } from "./routes-file.js";
import { SETTINGS, type SettingValue } from "./settings.js";
import { ConfigError, DEFAULTS, type CoordinatorConfig, type CoordinatorTlsConfig } from "./types.js";
import { checkAddress, checkDomain, validateConfig } from "./validate.js";

/** The value of a setting by environment variable name, or undefined when it is not given. */
type Lookup = (name: string) => SettingValue | undefined;

/** The value of every setting given, flags over environment variables, by environment name. */
function settingValues(env: NodeJS.ProcessEnv, argv: readonly string[]): Lookup {
  const values = new Map<string, SettingValue>();
  for (const s of SETTINGS) {
    const value = env[s.env];
    if (value !== undefined && value !== "") values.set(s.env, { value, setting: s.env });
  }
  for (const [flag, value] of parseFlags(argv).values) values.set(FLAG_ENV.get(flag)!, { value, setting: flag });
  return (name) => values.get(name);
}

/** Settings of the `angzarr-coordinator` process itself (not of the coordinator it runs). */
export interface ProcessOptions {
  /** Stop when standard input closes (see `ANGZARR_EXIT_WITH_PARENT`). */
  exitWithParent: boolean;
}

/**
 * Reads the process settings from the same environment and flags as {@link loadConfigFromEnv}.
 * @throws ConfigError naming the variable or flag and the bad value.
 */
export function loadProcessOptions(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): ProcessOptions {
  const exit = settingValues(env, argv)("ANGZARR_EXIT_WITH_PARENT");
  return { exitWithParent: exit ? parseBoolean(exit) : false };
}

/**
 * Builds a configuration from environment variables, overridden by command-line flags
 * (`--flag value` or `--flag=value`; `npx angzarr-coordinator --help` lists them). Reads the routes file when one is
 * named; never writes the environment.
 * @throws ConfigError naming the variable or flag and the bad value.
 * @example
 * const config = loadConfigFromEnv(process.env, ["--port", "1310", "--storage=memory"]);
 * const coordinator = await startCoordinator(config);
 */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): CoordinatorConfig {
  const get = settingValues(env, argv);
  const config: CoordinatorConfig = {};
  const host = get("ANGZARR__TRANSPORT__TCP__HOST");
  if (host) config.host = host.value;
  const port = get("ANGZARR__TRANSPORT__TCP__PORT");
  if (port) config.port = parseInteger(port.value, port.setting, 0, 65535);
  config.storage = storageFrom(get);

  const domain = get("ANGZARR__TARGET__DOMAIN");
  const address = get("ANGZARR__TARGET__ADDRESS");
  if (domain && !address) throw new ConfigError(`ANGZARR__TARGET__ADDRESS: required when ${domain.setting} is set`);
  if (address && !domain) throw new ConfigError(`ANGZARR__TARGET__DOMAIN: required when ${address.setting} is set`);
  if (domain && address) {
    config.target = { domain: checkDomain(domain.value, domain.setting), address: checkAddress(address.value, address.setting) };
  }

  const file = get("ANGZARR_ROUTES_FILE");
  const fromFile = file ? readRoutesFile(file.value, file.setting) : {};
  const routes = { ...fromFile.routes, ...parseRoutes(get("ANGZARR_ROUTES")) };
  if (Object.keys(routes).length > 0) {
    if (config.target) {
      throw new ConfigError(`ANGZARR_ROUTES: cannot be combined with ANGZARR__TARGET__ADDRESS (sidecar mode sends every command to the target)`);
    }
    config.routes = routes;
  }
  const projectors = [...(fromFile.projectors ?? []), ...parseProjectors(get("ANGZARR_PROJECTORS"))];
  if (projectors.length > 0) config.projectors = projectors;
  const sagas = [...(fromFile.sagas ?? []), ...parseSagas(get("ANGZARR_SAGAS"))];
  if (sagas.length > 0) config.sagas = sagas;
  const processManagers = [...(fromFile.processManagers ?? []), ...parseProcessManagers(get("ANGZARR_PROCESS_MANAGERS"))];
  if (processManagers.length > 0) config.processManagers = processManagers;

  const log = get("ANGZARR_LOG");
  if (log) {
    const level = log.value.trim().toLowerCase();
    if (!isLogLevel(level))
      throw new ConfigError(`${log.setting}: invalid log level ${JSON.stringify(log.value)} (expected error, warn, info or debug)`);
    config.logLevel = level;
  }
  const format = get("ANGZARR_LOG_FORMAT");
  if (format) {
    const value = format.value.trim().toLowerCase();
    if (!isLogFormat(value))
      throw new ConfigError(`${format.setting}: invalid log format ${JSON.stringify(format.value)} (expected auto, json or text)`);
    config.logFormat = value;
  }
  const reflection = get("ANGZARR_REFLECTION");
  if (reflection) config.reflection = parseBoolean(reflection);
  const tokens = get("ANGZARR_AUTH_TOKENS");
  if (tokens) {
    const list = tokens.value
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    // The tokens themselves are never echoed.
    if (list.length === 0) throw new ConfigError(`${tokens.setting}: no token given`);
    config.auth = { tokens: list };
  }
  const retry = get("ANGZARR_COMMAND_RETRY");
  if (retry) {
    if (retry.value !== "fast" && retry.value !== "faithful") {
      throw new ConfigError(`${retry.setting}: invalid value ${JSON.stringify(retry.value)} (expected fast or faithful)`);
    }
    config.retry = retry.value;
  }
  for (const [name, field] of [
    ["ANGZARR_CALL_TIMEOUT_MS", "callTimeoutMs"],
    ["ANGZARR_CONNECT_TIMEOUT_MS", "connectTimeoutMs"],
  ] as const) {
    const v = get(name);
    if (v) config[field] = parseInteger(v.value, v.setting, 1, 2 ** 31 - 1);
  }
  const upcaster = get("ANGZARR_UPCASTER_ENABLED");
  if (upcaster) {
    const upcasterAddress = get("ANGZARR_UPCASTER_ADDRESS");
    config.upcaster = {
      enabled: parseBoolean(upcaster),
      address: upcasterAddress && checkAddress(upcasterAddress.value, upcasterAddress.setting),
    };
  }
  const tls = tlsFrom(get);
  if (tls) config.tls = tls;
  const streams = get("ANGZARR_MAX_STREAMS");
  if (streams) config.maxConcurrentStreams = parseInteger(streams.value, streams.setting, 1, 2 ** 31 - 1);
  validateConfig(config);
  return config;
}

function parseBoolean(v: SettingValue): boolean {
  if (!["true", "1", "false", "0"].includes(v.value)) {
    throw new ConfigError(`${v.setting}: invalid value ${JSON.stringify(v.value)} (expected true, 1, false or 0)`);
  }
  return v.value === "true" || v.value === "1";
}

function tlsFrom(get: Lookup): CoordinatorTlsConfig | undefined {
  const cert = get("ANGZARR_TLS_CERT_FILE");
  const key = get("ANGZARR_TLS_KEY_FILE");
  const ca = get("ANGZARR_TLS_CA_FILE");
  const require = get("ANGZARR_TLS_REQUIRE_CLIENT_CERT");
  if (!cert && !key && !ca && !require) return undefined;
  if (!cert) throw new ConfigError(`ANGZARR_TLS_CERT_FILE: required when ${(key ?? ca ?? require)!.setting} is set`);
  if (!key) throw new ConfigError(`ANGZARR_TLS_KEY_FILE: required when ${cert.setting} is set`);
  const requireClientCert = require ? parseBoolean(require) : false;
  if (requireClientCert && !ca) throw new ConfigError(`ANGZARR_TLS_CA_FILE: required when ${require!.setting} is true`);
  return { certFile: cert.value, keyFile: key.value, caFile: ca?.value, requireClientCert };
}

function storageFrom(get: Lookup): StorageConfig {
  const type = get("ANGZARR__STORAGE__TYPE");
  switch (type?.value ?? "sqlite") {
    case "memory":
      return { type: "memory" };
    case "sqlite":
      return { type: "sqlite", path: get("ANGZARR__STORAGE__SQLITE__PATH")?.value };
    case "postgres": {
      const uri = get("ANGZARR__STORAGE__POSTGRES__URI")?.value ?? DEFAULTS.postgresUri;
      const schema = get("ANGZARR__STORAGE__POSTGRES__SCHEMA");
      return schema ? { type: "postgres", uri, schema: schema.value } : { type: "postgres", uri };
    }
    default:
      throw new ConfigError(`${type!.setting}: unknown storage type ${JSON.stringify(type!.value)} (expected sqlite, postgres or memory)`);
  }
}

function parseInteger(text: string, setting: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${setting}: invalid value ${JSON.stringify(text)} (expected an integer from ${min} to ${max})`);
  }
  return value;
}
