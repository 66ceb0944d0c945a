/**
 * The coordinator the client tests talk to: this project's embedded coordinator (memory
 * store, free port) routing the `orders` and `inventory` domains to the echo aggregate.
 */
import { makeCover, sequenceHeader } from "../../../src/core/books.js";
import { protoToUuid } from "../../../src/core/uuid.js";
import { timestampToRfc3339 } from "../../../src/core/time.js";
import { MAIN_EDITION, startCoordinator, silentLogger, type CoordinatorConfig, type CoordinatorHandle } from "../../../src/coordinator/index.js";
import { EventPage, type Cover, type EventBook } from "../../../src/gen/angzarr/types.js";
import type { Timestamp } from "../../../src/gen/google/protobuf/timestamp.js";
import { startEchoAggregate, startEchoComponents } from "./echo-business.js";

/** Domains the echo aggregate handles. */
const DOMAINS = ["orders", "inventory"];

/** A running coordinator with its business servers. */
export interface TestCoordinator {
  /** `host:port` of the coordinator. */
  readonly address: string;
  /** The coordinator itself. */
  readonly coordinator: CoordinatorHandle;
  /**
   * Stores events for an aggregate directly in the coordinator's event store, numbered from its
   * current end: what earlier writers left behind.
   */
  seed(cover: Cover, payloads: EventPage["payload"][], opts?: SeedOptions): Promise<void>;
  /** Stops the coordinator and the business servers. */
  stop(): Promise<void>;
}

/** How {@link TestCoordinator.seed} stamps the events. */
export interface SeedOptions {
  /** Correlation id stored with every event. @default none */
  correlationId?: string;
  /** Creation time of the i-th event. @default now */
  createdAt?: (i: number) => Timestamp;
}

/**
 * Starts the echo aggregate and a coordinator routing to it. `components` also starts the echo
 * saga, process manager and projector, subscribed to `orders` (only for speculation: with them
 * every orders command would also run them); `port` binds a given port instead of a free one;
 * `tls` serves TLS.
 */
export async function startTestCoordinator(
  opts: { components?: boolean; port?: number; tls?: CoordinatorConfig["tls"] } = {},
): Promise<TestCoordinator> {
  const aggregate = await startEchoAggregate();
  const components = opts.components ? await startEchoComponents() : undefined;
  const coordinator = await startCoordinator({
    port: opts.port ?? 0,
    tls: opts.tls,
    storage: { type: "memory" },
    logger: silentLogger,
    routes: Object.fromEntries(DOMAINS.map((d) => [d, aggregate.address])),
    ...(components && {
      sagas: [{ name: "echo-saga", address: components.address, sourceDomain: "orders" }],
      processManagers: [{ name: "echo-pm", address: components.address, pmDomain: "echo-pm", sourceDomains: ["orders"] }],
      projectors: [{ name: "echo-projector", address: components.address, domains: ["orders"] }],
    }),
  });
  const store = coordinator.store;
  return {
    address: coordinator.address,
    coordinator,
    async seed(cover, payloads, seedOpts = {}) {
      const key = { domain: cover.domain, edition: cover.edition?.name || MAIN_EDITION, root: protoToUuid(cover.root) };
      const next = ((await store.maxSequence(key)) ?? -1) + 1;
      const events = payloads.map((payload, i) => {
        const createdAt = seedOpts.createdAt?.(i) ?? { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
        const page: EventPage = { header: sequenceHeader(next + i), createdAt, payload, noCommit: false };
        return { sequence: next + i, createdAt: timestampToRfc3339(createdAt), data: EventPage.encode(page).finish() };
      });
      await store.append({ key, correlationId: seedOpts.correlationId ?? "", events });
    },
    async stop() {
      await coordinator.stop(1000);
      await Promise.all([aggregate.stop(), components?.stop()]);
    },
  };
}

/** A cover for tests. */
export function coverOf(domain: string, root: string, edition?: string): Cover {
  return makeCover({ domain, root, edition });
}

/** Canonical root text of a book's cover. */
export function rootOf(book: EventBook): string {
  return protoToUuid(book.cover?.root);
}
