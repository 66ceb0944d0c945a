/**
 * Builders for test data: deterministic ids, a test cover, snapshots and aggregate requests,
 * without infrastructure. Books and pages come from the package root (`eventBook`,
 * `commandBook`, `makeCover`, `makeEventBook`).
 * @module
 */
import { SnapshotRetention, type CommandBook, type ContextualCommand, type Cover, type EventBook, type Snapshot } from "../gen/angzarr/types.js";
import { packAny } from "../core/any.js";
import { makeCover } from "../core/books.js";
import type { MessageType } from "../core/message.js";
import { uuidToBytes, uuidV5 } from "../core/uuid.js";

/** Namespace of {@link uuidFor} (the cross-language SDKs' test namespace). */
export const DEFAULT_TEST_NAMESPACE = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/** Correlation id the scenario builders use unless told otherwise. */
export const TEST_CORRELATION_ID = uuidFor("correlation");

/**
 * A deterministic UUID for a test name: UUID v5 of `name` in `namespace`, so the same name
 * gives the same root in every run and every Angzarr SDK.
 * @example
 * const root = uuidFor("alice"); // always the same UUID string
 */
export function uuidFor(name: string, namespace: string = DEFAULT_TEST_NAMESPACE): string {
  return uuidV5(namespace, name);
}

/** The 16 bytes of {@link uuidFor}. */
export function uuidBytesFor(name: string, namespace: string = DEFAULT_TEST_NAMESPACE): Uint8Array {
  return uuidToBytes(uuidFor(name, namespace));
}

/** A test cover: `domain`, root `uuidFor(key)`, the test correlation id. */
export function testCover(domain: string, key = "root", correlationId: string = TEST_CORRELATION_ID): Cover {
  return makeCover({ domain, root: uuidFor(key), correlationId });
}

/** A snapshot of `state` (packed as `stateType`) covering events up to `sequence`. */
export function snapshotOf<S>(stateType: MessageType<S>, state: S, sequence: number): Snapshot {
  return { sequence, state: packAny(stateType, state), retention: SnapshotRetention.RETENTION_DEFAULT };
}

/** The request the coordinator sends to an aggregate: prior events and the command. */
export function contextualCommand(prior: EventBook | undefined, command: CommandBook): ContextualCommand {
  return { events: prior, command };
}
