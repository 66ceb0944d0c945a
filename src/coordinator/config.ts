/**
 * Coordinator configuration: the programmatic shape, its validation, and loading from the
 * environment (the reference's variable names, COORDINATOR.md §15–§16) and command-line flags.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isLogFormat, isLogLevel, type LogFormat, type Logger, type LogLevel } from "../logger.js";
import { FAITHFUL_RETRY, FAST_RETRY, type RetryPolicy } from "./retry.js";
import type { ProcessManagerRoute, ProjectorRoute, RoutingConfig, SagaRoute } from "./routing.js";
import { RpcError } from "./rpc-error.js";
import type { StorageConfig } from "./storage/index.js";
import { validateDomain } from "./validation.js";

/** Everything {@link startCoordinator} accepts. Only `storage`/`target`/`routes` usually matter. */
export interface CoordinatorConfig extends RoutingConfig {
  /** Interface to listen on (use `0.0.0.0` in containers). @default "127.0.0.1" (the reference default) */
  host?: string;
  /** TCP port; 0 picks a free one (read it from {@link CoordinatorHandle.port}). @default 50051 */
  port?: number;
  /** Event store. @default { type: "sqlite" }: SQLite in memory (the reference defaults to PostgreSQL) */
  storage?: StorageConfig;
  /**
   * HandleCommand retry policy: `"fast"` ({@link FAST_RETRY}), `"faithful"`
   * ({@link FAITHFUL_RETRY}, the reference schedule) or explicit values over the fast defaults.
   * @default "fast"
   */
  retry?: "fast" | "faithful" | Partial<RetryPolicy>;
  /** Bearer-token authentication. @default none (no authentication) */
  auth?: {
    /** Accepted tokens; when non-empty every RPC except Health needs `authorization: Bearer <token>`. */
    tokens: string[];
  };
  /** Deadline of every business-logic call, in milliseconds. @default 30000 */
  callTimeoutMs?: number;
  /** How long a call waits for a business connection to open, in milliseconds. @default 5000 */
  connectTimeoutMs?: number;
  /** Upcasting of prior events through an UpcasterService before they reach the command handler. @default none (off) */
  upcaster?: {
    /** Turns upcasting on. */
    enabled: boolean;
    /** Address of the UpcasterService. @default the command handler's address */
    address?: string;
  };
  /** Log sink. @default lines on stderr at `logLevel` ({@link createLogger}) */
  logger?: Logger;
  /** Least severe level logged by the default logger (ignored with `logger`). @default "info" */
  logLevel?: LogLevel;
  /**
   * Line format of the default logger (ignored with `logger`): `"json"`, `"text"` or `"auto"`
   * (text when standard error is a terminal, JSON lines otherwise). @default "auto"
   */
  logFormat?: LogFormat;
  /** Serve gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) for grpcurl and similar tools. @default true */
  reflection?: boolean;
  /** Serve TLS (mutual TLS with `requireClientCert`). @default none (plaintext) */
  tls?: CoordinatorTlsConfig;
  /**
   * GetEvents, GetAggregateRoots and Synchronize streams open at once; one more is refused
   * with RESOURCE_EXHAUSTED. @default 256
   */
  maxConcurrentStreams?: number;
}

/**
 * TLS material of the coordinator's listener, as PEM (`cert`, `key`, `ca`) or as file paths
 * (`certFile`, `keyFile`, `caFile`, read at start-up); give each item one way.
 */
export interface CoordinatorTlsConfig {
  /** Server certificate chain (PEM). */
  cert?: string | Buffer;
  /** File holding the server certificate chain. */
  certFile?: string;
  /** Server private key (PEM). */
  key?: string | Buffer;
  /** File holding the server private key. */
  keyFile?: string;
  /** CA bundle verifying client certificates (PEM); without it clients are not asked for one. */
  ca?: string | Buffer;
  /** File holding the CA bundle. */
  caFile?: string;
  /** Refuse clients without a certificate signed by the CA (mutual TLS). @default false */
  requireClientCert?: boolean;
}

/** A configuration value that cannot be used; the message names the setting and the value. */
export class ConfigError extends Error {
  /** `"ConfigError"`. */
  override readonly name = "ConfigError";
}

/** Defaults shared by the API, the CLI and `--help`. */
export const DEFAULTS = {
  /** Listening interface. */
  host: "127.0.0.1",
  /** Listening port. */
  port: 50051,
  /** PostgreSQL URI {@link loadConfigFromEnv} uses for postgres storage when none is configured. */
  postgresUri: "postgres://localhost:5432/angzarr",
  /** Deadline of business-logic calls, in milliseconds. */
  callTimeoutMs: 30_000,
  /** Wait for a business-logic connection, in milliseconds. */
  connectTimeoutMs: 5_000,
  /** Grace period of {@link CoordinatorHandle.stop}, in milliseconds. */
  graceMs: 10_000,
  /** Streams open at once. */
  maxConcurrentStreams: 256,
} as const;

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

function checkDomain(value: string, setting: string): string {
  try {
    validateDomain(value);
  } catch (err) {
    throw new ConfigError(`${setting}: invalid domain ${JSON.stringify(value)}: ${(err as RpcError).message}`);
  }
  return value;
}

function parseInteger(text: string, setting: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${setting}: invalid value ${JSON.stringify(text)} (expected an integer from ${min} to ${max})`);
  }
  return value;
}

function checkInteger(value: number, setting: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${setting}: invalid value ${JSON.stringify(value)} (expected an integer from ${min} to ${max})`);
  }
  return value;
}

/** Resolves the retry setting to a full policy. */
export function resolveRetry(retry: CoordinatorConfig["retry"]): RetryPolicy {
  if (retry === undefined || retry === "fast") return FAST_RETRY;
  if (retry === "faithful") return FAITHFUL_RETRY;
  if (typeof retry !== "object") throw new ConfigError(`retry: invalid value ${JSON.stringify(retry)} (expected "fast", "faithful" or a policy)`);
  const policy = { ...FAST_RETRY, ...retry };
  checkInteger(policy.maxRetries, "retry.maxRetries", 0, 1000);
  for (const field of ["initialDelayMs", "maxDelayMs", "multiplier"] as const) {
    if (!(policy[field] >= 0) || !Number.isFinite(policy[field])) {
      throw new ConfigError(`retry.${field}: invalid value ${JSON.stringify(policy[field])} (expected a non-negative number)`);
    }
  }
  if (!["full", "additive", "none"].includes(policy.jitter)) {
    throw new ConfigError(`retry.jitter: invalid value ${JSON.stringify(policy.jitter)} (expected full, additive or none)`);
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
  const names = new Set<string>();
  for (const [i, p] of (config.projectors ?? []).entries()) {
    if (!p.name) throw new ConfigError(`projectors[${i}].name: must not be empty`);
    if (names.has(p.name)) throw new ConfigError(`projectors[${i}].name: duplicate name ${JSON.stringify(p.name)}`);
    names.add(p.name);
    checkAddress(p.address, `projectors[${i}].address`);
    if (p.domains.length === 0) throw new ConfigError(`projectors[${i}].domains: must name at least one domain`);
    p.domains.forEach((d) => checkDomain(d, `projectors[${i}].domains`));
  }
  names.clear();
  for (const [i, s] of (config.sagas ?? []).entries()) {
    if (!s.name) throw new ConfigError(`sagas[${i}].name: must not be empty`);
    if (names.has(s.name)) throw new ConfigError(`sagas[${i}].name: duplicate name ${JSON.stringify(s.name)}`);
    names.add(s.name);
    checkAddress(s.address, `sagas[${i}].address`);
    checkDomain(s.sourceDomain, `sagas[${i}].sourceDomain`);
  }
  names.clear();
  for (const [i, p] of (config.processManagers ?? []).entries()) {
    if (!p.name) throw new ConfigError(`processManagers[${i}].name: must not be empty`);
    if (names.has(p.name)) throw new ConfigError(`processManagers[${i}].name: duplicate name ${JSON.stringify(p.name)}`);
    names.add(p.name);
    checkAddress(p.address, `processManagers[${i}].address`);
    checkDomain(p.pmDomain, `processManagers[${i}].pmDomain`);
    if (p.sourceDomains.length === 0) throw new ConfigError(`processManagers[${i}].sourceDomains: must name at least one domain`);
    p.sourceDomains.forEach((d) => checkDomain(d, `processManagers[${i}].sourceDomains`));
  }
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

/** One command-line flag and the environment variable it overrides. */
export interface Setting {
  /** Command-line flag, e.g. `--port`. @default none (set through the environment only) */
  flag?: string;
  /** Environment variable, e.g. `ANGZARR__TRANSPORT__TCP__PORT`. */
  env: string;
  /** One-line description, as printed by `--help`. */
  description: string;
  /** Default value as printed by `--help`. @default none (no default) */
  default?: string;
}

/** Every setting, in `--help` order. */
export const SETTINGS: readonly Setting[] = [
  { flag: "--host", env: "ANGZARR__TRANSPORT__TCP__HOST", description: "interface to listen on", default: DEFAULTS.host },
  { flag: "--port", env: "ANGZARR__TRANSPORT__TCP__PORT", description: "TCP port (0 = any free port)", default: String(DEFAULTS.port) },
  { flag: "--storage", env: "ANGZARR__STORAGE__TYPE", description: "sqlite | postgres | memory", default: "sqlite" },
  { flag: "--sqlite-path", env: "ANGZARR__STORAGE__SQLITE__PATH", description: "SQLite file (absent = in memory)" },
  { flag: "--postgres-uri", env: "ANGZARR__STORAGE__POSTGRES__URI", description: "PostgreSQL URI", default: DEFAULTS.postgresUri },
  { flag: "--postgres-schema", env: "ANGZARR__STORAGE__POSTGRES__SCHEMA", description: "PostgreSQL schema for the tables, created if missing (absent = the connection's search_path)" },
  { flag: "--target-domain", env: "ANGZARR__TARGET__DOMAIN", description: "sidecar mode: the domain label of the one business process" },
  { flag: "--target-address", env: "ANGZARR__TARGET__ADDRESS", description: "sidecar mode: host:port, http://host:port or /path ./path Unix socket; gets every command" },
  { flag: "--routes", env: "ANGZARR_ROUTES_FILE", description: 'JSON file {"routes":{"domain":"address"},"projectors":[{"name","address","domains":[]}],"sagas":[{"name","address","sourceDomain"}],"processManagers":[{"name","address","pmDomain","sourceDomains":[]}]}' },
  { env: "ANGZARR_ROUTES", description: "multi-domain routes: domain=address,domain=address" },
  { env: "ANGZARR_PROJECTORS", description: "projectors: name@address:domainA+domainB,..." },
  { env: "ANGZARR_SAGAS", description: "sagas: name@address:sourceDomain,..." },
  { env: "ANGZARR_PROCESS_MANAGERS", description: "process managers: name@address:pmDomain:sourceA+sourceB,..." },
  { flag: "--log-level", env: "ANGZARR_LOG", description: "error | warn | info | debug", default: "info" },
  { flag: "--log-format", env: "ANGZARR_LOG_FORMAT", description: "auto (text on a terminal, JSON lines otherwise) | json | text", default: "auto" },
  { flag: "--reflection", env: "ANGZARR_REFLECTION", description: "true | 1: serve gRPC server reflection (v1 and v1alpha) for grpcurl and similar tools", default: "true" },
  { flag: "--auth-tokens", env: "ANGZARR_AUTH_TOKENS", description: "comma-separated bearer tokens (absent = no authentication)" },
  { env: "ANGZARR_COMMAND_RETRY", description: "fast (sequence races: 5 retries, 5 ms x2, cap 80 ms) | faithful (reference: every FAILED_PRECONDITION, 10 retries, 10 ms x2, cap 2 s)", default: "fast" },
  { env: "ANGZARR_CALL_TIMEOUT_MS", description: "deadline of business-logic calls", default: String(DEFAULTS.callTimeoutMs) },
  { env: "ANGZARR_CONNECT_TIMEOUT_MS", description: "wait for a business-logic connection", default: String(DEFAULTS.connectTimeoutMs) },
  { env: "ANGZARR_UPCASTER_ENABLED", description: "true | 1: upcast prior events through UpcasterService", default: "false" },
  { env: "ANGZARR_UPCASTER_ADDRESS", description: "upcaster address (default: the command handler's)" },
  { flag: "--tls-cert-file", env: "ANGZARR_TLS_CERT_FILE", description: "serve TLS: server certificate chain (PEM file; needs the key file)" },
  { flag: "--tls-key-file", env: "ANGZARR_TLS_KEY_FILE", description: "serve TLS: server private key (PEM file)" },
  { flag: "--tls-ca-file", env: "ANGZARR_TLS_CA_FILE", description: "CA bundle (PEM file) verifying client certificates" },
  { flag: "--tls-require-client-cert", env: "ANGZARR_TLS_REQUIRE_CLIENT_CERT", description: "true | 1: mutual TLS, refuse clients without a certificate from the CA", default: "false" },
  { flag: "--exit-with-parent", env: "ANGZARR_EXIT_WITH_PARENT", description: "true | 1: stop when standard input closes, so a coordinator started by a test or a supervisor through a pipe never outlives it", default: "false" },
  { flag: "--max-streams", env: "ANGZARR_MAX_STREAMS", description: "GetEvents, GetAggregateRoots and Synchronize streams open at once (more: RESOURCE_EXHAUSTED)", default: String(DEFAULTS.maxConcurrentStreams) },
];

const FLAG_ENV = new Map(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, s.env]));

/** parseArgs options: every flag of {@link SETTINGS} takes a value; `--help`/`-h` does not. */
const PARSE_OPTIONS = {
  ...Object.fromEntries(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!.slice(2), { type: "string" as const }])),
  help: { type: "boolean" as const, short: "h" },
};

/**
 * Parses command-line flags with `node:util` parseArgs (`--flag value` or `--flag=value`; the
 * last of a repeated flag wins): the values by flag, and whether `--help`/`-h` was given.
 * @param allowHelp - accept `--help`/`-h` (the CLI); otherwise they are unknown options.
 * @throws ConfigError `<arg>: unknown option (see --help)` or `<flag>: missing value`.
 * @internal
 */
export function parseFlags(argv: readonly string[], allowHelp = false): { values: Map<string, string>; help: boolean } {
  // Not strict: unknown options and positionals come back as tokens, reported with our texts.
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string>();
  // `--help` anywhere wins over everything else, even as the value a flag before it took.
  const help = tokens.some(
    (t) => t.kind === "option" && (t.name === "help" || (!t.inlineValue && (t.value === "--help" || t.value === "-h"))),
  );
  if (allowHelp && help) return { values, help };
  for (const token of tokens) {
    const arg = argv[token.index]!;
    if (token.kind === "option" && FLAG_ENV.has(token.rawName)) {
      if (token.value === undefined) throw new ConfigError(`${token.rawName}: missing value`);
      values.set(token.rawName, token.value);
    } else {
      throw new ConfigError(`${arg}: unknown option (see --help)`);
    }
  }
  return { values, help: false };
}

/** The value of every setting given, flags over environment variables, by environment name. */
function settingValues(env: NodeJS.ProcessEnv, argv: readonly string[]): Lookup {
  const values = new Map<string, { value: string; setting: string }>();
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
 * (`--flag value` or `--flag=value`, see {@link SETTINGS}). Reads the routes file when one is
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
    if (!isLogLevel(level)) throw new ConfigError(`${log.setting}: invalid log level ${JSON.stringify(log.value)} (expected error, warn, info or debug)`);
    config.logLevel = level;
  }
  const format = get("ANGZARR_LOG_FORMAT");
  if (format) {
    const value = format.value.trim().toLowerCase();
    if (!isLogFormat(value)) throw new ConfigError(`${format.setting}: invalid log format ${JSON.stringify(format.value)} (expected auto, json or text)`);
    config.logFormat = value;
  }
  const reflection = get("ANGZARR_REFLECTION");
  if (reflection) config.reflection = parseBoolean(reflection);
  const tokens = get("ANGZARR_AUTH_TOKENS");
  if (tokens) {
    const list = tokens.value.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
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
  for (const [name, field] of [["ANGZARR_CALL_TIMEOUT_MS", "callTimeoutMs"], ["ANGZARR_CONNECT_TIMEOUT_MS", "connectTimeoutMs"]] as const) {
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

type Lookup = (name: string) => { value: string; setting: string } | undefined;

function parseBoolean(v: { value: string; setting: string }): boolean {
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

function entries(v: { value: string } | undefined): string[] {
  return v ? v.value.split(",").map((e) => e.trim()).filter((e) => e.length > 0) : [];
}

function parseRoutes(v: { value: string; setting: string } | undefined): Record<string, string> {
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

function parseProjectors(v: { value: string; setting: string } | undefined): ProjectorRoute[] {
  return entries(v).map((entry) => {
    const { name, address, rest } = splitComponent(entry, v!.setting, "name@address:domainA+domainB");
    return { name, address, domains: rest.split("+").map((d) => checkDomain(d.trim(), v!.setting)) };
  });
}

function parseSagas(v: { value: string; setting: string } | undefined): SagaRoute[] {
  return entries(v).map((entry) => {
    const { name, address, rest } = splitComponent(entry, v!.setting, "name@address:sourceDomain");
    return { name, address, sourceDomain: checkDomain(rest.trim(), v!.setting) };
  });
}

function parseProcessManagers(v: { value: string; setting: string } | undefined): ProcessManagerRoute[] {
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
      sourceDomains: entry.slice(colon + 1).split("+").map((d) => checkDomain(d.trim(), v!.setting)),
    };
  });
}

interface RoutesFile {
  routes?: Record<string, string>;
  projectors?: ProjectorRoute[];
  sagas?: SagaRoute[];
  processManagers?: ProcessManagerRoute[];
}

function readRoutesFile(path: string, setting: string): RoutesFile {
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
