/** Starting and stopping an embedded coordinator. */
import { TokenAuth } from "./listener/auth.js";
import { BusinessChannels } from "./delivery/business-channels.js";
import { handleCommand } from "./pipeline/handle-command.js";
import { DEFAULTS, type CoordinatorConfig } from "./config/types.js";
import { resolveRetry, validateConfig } from "./config/validate.js";
import type { CoordinatorContext } from "./context.js";
import { handleEvent } from "./pipeline/handle-event.js";
import { HealthRegistry } from "../server/health.js";
import { createLogger } from "../logger.js";
import { enableOpenTelemetry } from "../tracing.js";
import { Router } from "./delivery/routing.js";
import { KeyedMutex } from "./serial.js";
import { createServer, InFlight } from "./listener/server.js";
import { openEventStore, type EventStore } from "./storage/index.js";
import { StreamSlots } from "./listener/stream-slots.js";
import { Delivery } from "./delivery/delivery.js";
import { serverCredentials } from "./listener/tls.js";

/** A running coordinator. */
export interface CoordinatorHandle extends AsyncDisposable {
  /** `host:port` actually bound (the real port when 0 was requested). */
  readonly address: string;
  /** The bound port (the real one when 0 was requested). */
  readonly port: number;
  /** The event store the coordinator writes to (closed by {@link stop}). */
  readonly store: EventStore;
  /** The routing table as printed at start-up: `domain=address,…`. */
  readonly routes: string;
  /**
   * Stops accepting calls, lets in-flight calls and queued asynchronous deliveries finish
   * (at most `graceMs`, default 10 s, then cancels what is left), then closes the handler
   * channels and the store. Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Opens the store and serves the coordinator on one listener; resolves once it is bound.
 * @throws ConfigError for an unusable configuration; StorageError (or an Error naming the
 * missing driver package) when the store cannot be opened; an Error `Cannot listen on …` when
 * the address cannot be bound.
 * @example
 * const handler = await runAggregateServer(PlayerAggregate, "127.0.0.1:0");
 * const coordinator = await startCoordinator({ port: 0, routes: { player: handler.address }, logLevel: "warn" });
 * await using client = Client.connect(coordinator.address);
 * // ... send commands and queries
 * await coordinator.stop();
 * await handler.stop();
 */
export async function startCoordinator(config: CoordinatorConfig = {}): Promise<CoordinatorHandle> {
  validateConfig(config);
  // TLS files are read first, so a missing file fails before the store is opened.
  const credentials = serverCredentials(config.tls);
  const logger = config.logger ?? createLogger(config.logLevel ?? "info", undefined, config.logFormat ?? "auto");
  await enableOpenTelemetry();
  const store = await openEventStore(config.storage ?? { type: "sqlite" });
  const channels = new BusinessChannels({
    callTimeoutMs: config.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
  });
  const router = new Router(config);
  const delivery = new Delivery(logger);
  const ctx: CoordinatorContext = {
    store,
    channels,
    router,
    retry: resolveRetry(config.retry),
    logger,
    locks: new KeyedMutex(),
    delivery,
    upcaster: config.upcaster?.enabled ? { address: config.upcaster.address } : undefined,
    executeCommand: (request, depth) => handleCommand(ctx, request, depth),
    injectFacts: (request, depth) => handleEvent(ctx, request, depth),
  };
  // Only the empty service name is registered, like the reference (§3).
  const health = new HealthRegistry([]);
  const inflight = new InFlight();
  const tokens = config.auth?.tokens ?? [];
  const server = createServer({
    ctx,
    health,
    inflight,
    auth: tokens.length > 0 ? new TokenAuth(tokens) : undefined,
    streams: new StreamSlots(config.maxConcurrentStreams ?? DEFAULTS.maxConcurrentStreams),
    reflection: config.reflection ?? true,
  });

  const host = config.host ?? DEFAULTS.host;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${config.port ?? DEFAULTS.port}`, credentials, (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
  } catch (err) {
    server.forceShutdown();
    await store.close();
    throw new Error(`Cannot listen on ${host}:${config.port ?? DEFAULTS.port}: ${(err as Error).message}`, { cause: err });
  }

  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number) => {
    const deadline = Date.now() + graceMs;
    const within = (work: Promise<unknown>) =>
      Promise.race([work.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now())).unref())]);
    health.shutdown();
    if (!(await within(new Promise<void>((resolve) => server.tryShutdown(() => resolve()))))) server.forceShutdown();
    if (!(await within(inflight.settled()))) logger.warn("stopping with calls still running");
    if (!(await within(delivery.drain()))) logger.warn("stopping with asynchronous deliveries still queued");
    channels.close();
    await store.close();
    logger.info("angzarr-coordinator stopped");
  };
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    store,
    routes: router.describe(),
    stop: (graceMs = DEFAULTS.graceMs) => (stopping ??= stop(graceMs)),
    [Symbol.asyncDispose]: () => (stopping ??= stop(DEFAULTS.graceMs)),
  };
}
