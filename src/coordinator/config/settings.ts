/**
 * Every setting of the `angzarr-coordinator` command: its environment variable, flag,
 * description and default, in `--help` order, and the `--help` text built from them.
 */
import { DEFAULTS } from "./types.js";

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
  {
    flag: "--postgres-schema",
    env: "ANGZARR__STORAGE__POSTGRES__SCHEMA",
    description: "PostgreSQL schema for the tables, created if missing (absent = the connection's search_path)",
  },
  { flag: "--target-domain", env: "ANGZARR__TARGET__DOMAIN", description: "sidecar mode: the domain label of the one business process" },
  {
    flag: "--target-address",
    env: "ANGZARR__TARGET__ADDRESS",
    description: "sidecar mode: host:port, http://host:port or /path ./path Unix socket; gets every command",
  },
  {
    flag: "--routes",
    env: "ANGZARR_ROUTES_FILE",
    description:
      'JSON file {"routes":{"domain":"address"},"projectors":[{"name","address","domains":[]}],"sagas":[{"name","address","sourceDomain"}],"processManagers":[{"name","address","pmDomain","sourceDomains":[]}]}',
  },
  { env: "ANGZARR_ROUTES", description: "multi-domain routes: domain=address,domain=address" },
  { env: "ANGZARR_PROJECTORS", description: "projectors: name@address:domainA+domainB,..." },
  { env: "ANGZARR_SAGAS", description: "sagas: name@address:sourceDomain,..." },
  { env: "ANGZARR_PROCESS_MANAGERS", description: "process managers: name@address:pmDomain:sourceA+sourceB,..." },
  { flag: "--log-level", env: "ANGZARR_LOG", description: "error | warn | info | debug", default: "info" },
  { flag: "--log-format", env: "ANGZARR_LOG_FORMAT", description: "auto (text on a terminal, JSON lines otherwise) | json | text", default: "auto" },
  {
    flag: "--reflection",
    env: "ANGZARR_REFLECTION",
    description: "true | 1: serve gRPC server reflection (v1 and v1alpha) for grpcurl and similar tools",
    default: "true",
  },
  { flag: "--auth-tokens", env: "ANGZARR_AUTH_TOKENS", description: "comma-separated bearer tokens (absent = no authentication)" },
  {
    env: "ANGZARR_COMMAND_RETRY",
    description:
      "fast (sequence races: 5 retries, 5 ms x2, cap 80 ms) | faithful (reference: every FAILED_PRECONDITION, 10 retries, 10 ms x2, cap 2 s)",
    default: "fast",
  },
  { env: "ANGZARR_CALL_TIMEOUT_MS", description: "deadline of business-logic calls", default: String(DEFAULTS.callTimeoutMs) },
  { env: "ANGZARR_CONNECT_TIMEOUT_MS", description: "wait for a business-logic connection", default: String(DEFAULTS.connectTimeoutMs) },
  { env: "ANGZARR_UPCASTER_ENABLED", description: "true | 1: upcast prior events through UpcasterService", default: "false" },
  { env: "ANGZARR_UPCASTER_ADDRESS", description: "upcaster address (default: the command handler's)" },
  { flag: "--tls-cert-file", env: "ANGZARR_TLS_CERT_FILE", description: "serve TLS: server certificate chain (PEM file; needs the key file)" },
  { flag: "--tls-key-file", env: "ANGZARR_TLS_KEY_FILE", description: "serve TLS: server private key (PEM file)" },
  { flag: "--tls-ca-file", env: "ANGZARR_TLS_CA_FILE", description: "CA bundle (PEM file) verifying client certificates" },
  {
    flag: "--tls-require-client-cert",
    env: "ANGZARR_TLS_REQUIRE_CLIENT_CERT",
    description: "true | 1: mutual TLS, refuse clients without a certificate from the CA",
    default: "false",
  },
  {
    flag: "--exit-with-parent",
    env: "ANGZARR_EXIT_WITH_PARENT",
    description: "true | 1: stop when standard input closes, so a coordinator started by a test or a supervisor through a pipe never outlives it",
    default: "false",
  },
  {
    flag: "--max-streams",
    env: "ANGZARR_MAX_STREAMS",
    description: "GetEvents, GetAggregateRoots and Synchronize streams open at once (more: RESOURCE_EXHAUSTED)",
    default: String(DEFAULTS.maxConcurrentStreams),
  },
];

/** A setting's value as given, and the variable or flag that gave it (for error messages). */
export interface SettingValue {
  /** The text given. */
  value: string;
  /** The environment variable or flag that gave it. */
  setting: string;
}

/** The `--help` text of `angzarr-coordinator`. */
export function helpText(): string {
  const lines = [
    "Usage: angzarr-coordinator [options]",
    "",
    "Embedded Angzarr-compatible coordinator: CommandHandlerCoordinatorService, EventQueryService,",
    "the saga, process-manager and projector coordinator services and grpc.health.v1.Health on one",
    "gRPC listener. Flags override environment variables.",
    "",
  ];
  for (const s of SETTINGS) {
    const name = s.flag ? `${s.flag} <value>  (${s.env})` : s.env;
    lines.push(`  ${name}`, `      ${s.description}${s.default !== undefined ? ` [default: ${s.default}]` : ""}`);
  }
  lines.push("  --help", "      print this text");
  return lines.join("\n");
}
