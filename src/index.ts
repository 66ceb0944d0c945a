/**
 * angzarr-client: TypeScript SDK for the Angzarr CQRS / event-sourcing framework.
 *
 * @example
 * import { Client, computeRoot } from "angzarr-client";
 * import { CreateOrder } from "./gen/orders.js";
 *
 * await using client = Client.connect("localhost:1310", { timeoutMs: 10_000 });
 * const orders = client.domain("orders");
 * const root = computeRoot("orders", "ord-42");
 * const book = await orders.getEventBook(root);
 * await orders.command(root).withCommand(CreateOrder, { orderId: "ord-42" }).withSequence(book.nextSequence).execute();
 *
 * @module
 */
export * from "./core/index.js";
export * from "./errors.js";
export * from "./client/index.js";
export {
  currentTrace,
  enableOpenTelemetry,
  formatTraceparent,
  injectTrace,
  parseTraceparent,
  traceFromMetadata,
  type TraceContext,
} from "./tracing.js";

// ---- handlers / server exports (owned by the handlers and server team) ----
// Keep this a flat list of `export * from "./<folder>/index.js";` lines.
export * from "./handlers/index.js";
export * from "./server/index.js";
