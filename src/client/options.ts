/**
 * Client-wide and per-call options, their defaults, and the one place that resolves them.
 * @module
 */
import { Metadata, type ChannelOptions, type MetadataValue } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../errors.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from "./retry.js";
import { checkPositiveMs } from "./validate.js";

/** Default deadline of every call that does not pass `timeoutMs`: 30 s. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Metadata given as a grpc-js `Metadata` or as a plain object (`-bin` keys take Buffers). */
export type MetadataInit = Metadata | Record<string, string | Buffer>;

/** A bearer token, or a function returning one (called before every call, may be async). */
export type TokenSource = string | (() => string | Promise<string>);

/** Options of a single call. Per-call values win over the client's defaults. */
export interface CallOptions {
  /**
   * Deadline of the call in milliseconds from now (for a retried call: of all attempts together).
   * @default the client's `timeoutMs` (30 s unless configured)
   */
  timeoutMs?: number;
  /** Cancels the call; the call then rejects with a GrpcError whose code is CANCELLED. @default none */
  signal?: AbortSignal;
  /** Extra request metadata, merged over the client's metadata (same keys are replaced). @default none */
  metadata?: MetadataInit;
}

/** TLS settings. PEM contents, not file paths. */
export interface TlsOptions {
  /** Trusted CA certificates. @default the Node.js root store */
  ca?: Buffer | string;
  /** Client certificate chain, for mutual TLS (needs `key`). @default none */
  cert?: Buffer | string;
  /** Client private key, for mutual TLS (needs `cert`). @default none */
  key?: Buffer | string;
  /** Name to verify in the server certificate and to send as SNI/authority. @default the endpoint host */
  serverName?: string;
}

/** Options shared by every client factory (`connect`, `fromEnv`, `fromChannel`). */
export interface ClientOptions {
  /** Default deadline, in milliseconds, of calls that pass no `timeoutMs`. @default 30000 */
  timeoutMs?: number;
  /**
   * TLS: `true` for the system roots, an object for a custom CA, mutual TLS or a server-name
   * override. `https://` endpoints imply TLS; `http://` endpoints refuse it.
   * Ignored by `fromChannel` (the channel's own credentials apply).
   * @default false (plaintext), true for `https://` endpoints
   */
  tls?: boolean | TlsOptions;
  /**
   * Bearer token sent as `authorization: Bearer <token>` metadata on every call. Sent as
   * metadata rather than grpc-js call credentials, so it also works on plaintext channels.
   * @default none
   */
  token?: TokenSource;
  /** Metadata sent with every call. @default none */
  metadata?: MetadataInit;
  /** Retry of failed calls; see {@link RetryPolicy}. @default undefined (no retries) */
  retry?: RetryPolicy;
  /** Raw grpc-js channel options, applied last. Ignored by `fromChannel`. @default none */
  channelOptions?: ChannelOptions;
  /** Interval of HTTP/2 keepalive pings in milliseconds. Ignored by `fromChannel`. @default none (no pings) */
  keepaliveMs?: number;
}

/** Client options after defaults and checks. */
export interface ResolvedClientOptions {
  readonly timeoutMs: number;
  readonly tls: TlsOptions | undefined;
  readonly token: TokenSource | undefined;
  readonly metadata: Metadata;
  readonly retry: ResolvedRetryPolicy | undefined;
  readonly channelOptions: ChannelOptions;
  readonly keepaliveMs: number | undefined;
}

/**
 * Receive limits sized for Angzarr: event books can be large, and on a sequence mismatch the
 * coordinator puts the whole current EventBook into the `grpc-status-details-bin` trailer.
 * grpc-js 1.14 does not read `grpc.max_metadata_size` (Node's HTTP/2 header-list limit of 64 KiB
 * is what applies; COORDINATOR.md §19), but later grpc-js versions and other transports do.
 * Reconnect attempts back off from 100 ms to at most 1 s: with grpc-js's defaults (1 s growing
 * to 120 s), calls kept failing for many seconds after a restarted coordinator was back.
 */
export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_metadata_size": 4 * 1024 * 1024,
  // grpc-js shares connections between channels to one target by default: a client created
  // after another one failed would inherit its broken connection state. Clients stay independent.
  "grpc.use_local_subchannel_pool": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1000,
};

/** Copy `init` into a grpc-js Metadata, validating keys and values. */
export function toMetadata(init: MetadataInit | undefined): Metadata {
  const md = new Metadata();
  if (init) mergeMetadata(md, init);
  return md;
}

/** Merge `extra` into `target`; a key present in `extra` replaces all of its values in `target`. */
export function mergeMetadata(target: Metadata, extra: MetadataInit): void {
  const entries: Array<[string, MetadataValue[]]> =
    extra instanceof Metadata ? Object.entries(extra.toJSON()) : Object.entries(extra).map(([k, v]): [string, MetadataValue[]] => [k, [v]]);
  for (const [key, values] of entries) {
    try {
      target.remove(key);
      for (const value of values) target.add(key, value);
    } catch (err) {
      throw new InvalidArgumentError(`invalid metadata ${JSON.stringify(key)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

/**
 * Fill defaults and reject contradictions before any I/O.
 * @throws InvalidArgumentError for a non-positive timeout or keepalive, half a client key pair or a bad retry policy.
 */
export function resolveClientOptions(opts: ClientOptions = {}): ResolvedClientOptions {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkPositiveMs(timeoutMs, "timeoutMs");
  if (opts.keepaliveMs !== undefined) checkPositiveMs(opts.keepaliveMs, "keepaliveMs");
  const tls = opts.tls === true ? {} : opts.tls ? { ...opts.tls } : undefined;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    throw new InvalidArgumentError("mutual TLS needs both tls.cert and tls.key");
  }
  if (opts.token !== undefined && typeof opts.token !== "string" && typeof opts.token !== "function") {
    throw new InvalidArgumentError("token must be a string or a function returning one");
  }
  return {
    timeoutMs,
    tls,
    token: opts.token,
    metadata: toMetadata(opts.metadata),
    retry: opts.retry ? resolveRetryPolicy(opts.retry) : undefined,
    channelOptions: opts.channelOptions ?? {},
    keepaliveMs: opts.keepaliveMs,
  };
}
