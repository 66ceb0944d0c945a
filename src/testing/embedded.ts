/**
 * The embedded backend: the orders test domain's handler and this project's coordinator, both
 * in this process on 127.0.0.1 (free ports), talking real gRPC.
 */
import { consoleLogger } from "../server/logger.js";
import { startCoordinator, type CoordinatorConfig, type CoordinatorHandle } from "../coordinator/index.js";
import type { LogLevel } from "../coordinator/logger.js";
import type { StorageConfig } from "../coordinator/storage/index.js";
import { inventory } from "../../examples/inventory/inventory.js";
import { OrderAggregate, orderSummary, ordersToInventory, startOrdersHandler } from "../../examples/orders/index.js";
import { capabilitiesOf, type TestBackend } from "./backend.js";

/** Options of the embedded backend. */
export interface EmbeddedOptions {
  /** The coordinator's event store. @default SQLite in memory */
  storage?: StorageConfig;
  /**
   * Also start a second coordinator (its own store, same routes) that requires a bearer token:
   * `true` for the token `angzarr-test-token`, or the tokens to accept. Adds `auth`.
   */
  auth?: boolean | readonly string[];
  /** Coordinator log level (stderr). @default "warn" */
  logLevel?: LogLevel;
}

/** The token of the authenticating coordinator when `auth: true`. */
export const DEFAULT_TEST_TOKEN = "angzarr-test-token";

/**
 * Starts the orders handler (orders and inventory aggregates, orders -> inventory saga,
 * order-summary projector) and a coordinator routing both domains, the saga and the projector
 * to it. Every capability; `auth` when asked for.
 */
export async function startEmbeddedBackend(options: EmbeddedOptions = {}): Promise<TestBackend> {
  const handler = await startOrdersHandler("127.0.0.1:0", { logger: { ...consoleLogger, info: () => undefined } });
  const domains = [OrderAggregate.domain, inventory.domain];
  const routing: CoordinatorConfig = {
    host: "127.0.0.1",
    port: 0,
    logLevel: options.logLevel ?? "warn",
    routes: Object.fromEntries(domains.map((d) => [d, handler.address])),
    projectors: [{ name: orderSummary.name, address: handler.address, domains: [...(orderSummary.domains ?? domains)] }],
    sagas: [{ name: ordersToInventory.name, address: handler.address, sourceDomain: ordersToInventory.sourceDomain }],
  };
  const tokens = options.auth === true ? [DEFAULT_TEST_TOKEN] : options.auth || [];
  const coordinators: CoordinatorHandle[] = [];
  try {
    const main = await startCoordinator({ ...routing, storage: options.storage ?? { type: "sqlite" } });
    coordinators.push(main);
    const secured = tokens.length > 0 ? await startCoordinator({ ...routing, auth: { tokens: [...tokens] } }) : undefined;
    if (secured) coordinators.push(secured);

    let stopping: Promise<void> | undefined;
    return {
      kind: "embedded",
      endpoint: main.address,
      capabilities: capabilitiesOf("embedded", secured ? ["auth"] : []),
      auth: secured && { endpoint: secured.address, tokens },
      store: main.store,
      stop: () => (stopping ??= stopAll(coordinators, handler)),
    };
  } catch (err) {
    await stopAll(coordinators, handler);
    throw err;
  }
}

/** Grace for in-flight calls when a test backend stops. */
const STOP_GRACE_MS = 1_000;

async function stopAll(coordinators: readonly CoordinatorHandle[], handler: { stop(graceMs?: number): Promise<void> }): Promise<void> {
  await Promise.all(coordinators.map((c) => c.stop(STOP_GRACE_MS)));
  await handler.stop(STOP_GRACE_MS);
}
