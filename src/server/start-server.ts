import { ServerCredentials, type ChannelOptions, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../errors.js";
import { HealthRegistry, HealthService } from "./health.js";
import { consoleLogger, type ServerLogger } from "../logger.js";
import { enableOpenTelemetry } from "../tracing.js";
import { addReflection } from "./reflection.js";
import { TolerantServer } from "./tolerant-server.js";

/** Grace period of `stop()` when none is given, in milliseconds (5 s). */
export const DEFAULT_GRACE_MS = 5000;

/** TLS material of a server, PEM text or bytes. */
export interface ServerTlsOptions {
  /** Server certificate chain. */
  cert: string | Buffer;
  /** Server private key. */
  key: string | Buffer;
  /** CA bundle used to verify client certificates (required with `requireClientCert`). @default none */
  ca?: string | Buffer;
  /**
   * Refuse clients without a certificate signed by `ca` (mutual TLS).
   * @default false
   */
  requireClientCert?: boolean;
}

/** Options shared by every server runner. */
export interface ServerOptions {
  /** Serve TLS instead of plaintext. @default none (plaintext) */
  tls?: ServerTlsOptions;
  /**
   * Receives unexpected failures (with stack and reference) and lifecycle messages.
   * @default consoleLogger (JSON lines on stderr)
   */
  logger?: ServerLogger;
  /** grpc-js server channel options (message sizes, keepalive). @default grpc-js defaults */
  channelOptions?: ChannelOptions;
  /**
   * Serve gRPC server reflection (`grpc.reflection.v1` and `v1alpha`) describing the served
   * services and health, so `grpcurl list` and `grpcurl describe` work without .proto files.
   * @default true
   */
  reflection?: boolean;
}

/** A running server. */
export interface ServerHandle extends AsyncDisposable {
  /** `host:port` actually bound (the real port when 0 was asked). */
  readonly address: string;
  /** The bound port. */
  readonly port: number;
  /**
   * Stop: health turns NOT_SERVING, Watch streams end, new calls are refused, in-flight calls
   * may finish for `graceMs`, then remaining ones are cancelled. Idempotent.
   * @param graceMs - milliseconds in-flight calls may take to finish; default 5000
   */
  stop(graceMs?: number): Promise<void>;
}

/** One gRPC service to serve: its definition, implementation, and health name. @internal */
export interface ServiceBinding {
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value) : value;
}

function credentials(tls: ServerTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.requireClientCert && !tls.ca) throw new InvalidArgumentError("tls.requireClientCert needs tls.ca to verify client certificates");
  return ServerCredentials.createSsl(
    tls.ca ? toBuffer(tls.ca) : null,
    [{ private_key: toBuffer(tls.key), cert_chain: toBuffer(tls.cert) }],
    tls.requireClientCert ?? false,
  );
}

function hostOf(address: string): string {
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end > 0 && address[end + 1] === ":") return address.slice(0, end + 1);
  } else {
    const colon = address.lastIndexOf(":");
    if (colon > 0 && !address.slice(0, colon).includes(":")) return address.slice(0, colon);
  }
  throw new InvalidArgumentError(`server address must be host:port (e.g. 127.0.0.1:0 or [::]:50052), got ${JSON.stringify(address)}`);
}

/**
 * Start one grpc-js server with the given services plus `grpc.health.v1.Health` (SERVING for
 * "" and each service name). Resolves once bound.
 * @internal
 */
export async function startServer(services: readonly ServiceBinding[], address: string, options: ServerOptions = {}): Promise<ServerHandle> {
  const host = hostOf(address);
  const creds = credentials(options.tls);
  const logger = options.logger ?? consoleLogger;
  const server = new TolerantServer(options.channelOptions);
  const health = new HealthRegistry(services.map((s) => s.name));
  for (const service of services) server.addService(service.definition, service.implementation);
  server.addService(HealthService, health.implementation());
  if (options.reflection ?? true)
    addReflection(
      server,
      services.map((s) => s.name),
    );
  await enableOpenTelemetry();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, creds, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const bound = `${host}:${port}`;
  logger.info("listening", { address: bound, services: services.map((s) => s.name), tls: options.tls !== undefined });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number = DEFAULT_GRACE_MS): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      health.shutdown();
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => logger.info("stopped", { address: bound }));
    return stopping;
  };
  return { address: bound, port, stop, [Symbol.asyncDispose]: () => stop() };
}
