/**
 * The coordinator configuration's programmatic shape, its defaults and the error an unusable
 * value raises.
 */
import type { LogFormat, Logger, LogLevel } from "../../logger.js";
import type { RoutingConfig } from "../delivery/routing.js";
import type { CommandRetryPolicy } from "../pipeline/command-retry.js";
import type { StorageConfig } from "../storage/index.js";

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
  retry?: "fast" | "faithful" | Partial<CommandRetryPolicy>;
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
