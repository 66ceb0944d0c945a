/** Shared by the backend tests: a health check and a command/query round trip through a coordinator. */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { Client } from "../../src/client/index.js";
import { typeNameFromUrl } from "../../src/core/any.js";
import { HealthService, ServingStatus } from "../../src/server/health.js";
import { AddItem, CreateOrder } from "../../examples/gen/examples/orders.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import type { SyncMode } from "../../src/gen/angzarr/types.js";

const HealthClient = grpc.makeGenericClientConstructor(HealthService, "Health");

/** `grpc.health.v1.Health/Check("")` at `endpoint`; rejects with the grpc-js ServiceError. */
export function healthStatus(endpoint: string, timeoutMs = 2000): Promise<ServingStatus> {
  const client = new HealthClient(endpoint, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    // eslint-disable-next-line @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- grpc-js generic clients type their methods as Function
    client.check!({ service: "" }, { deadline: Date.now() + timeoutMs }, (error: grpc.ServiceError | null, reply?: { status: ServingStatus }) => {
      client.close();
      if (error) reject(error);
      else resolve(reply!.status);
    }),
  );
}

/**
 * Creates an order and adds an item through the coordinator at `endpoint`, then reads the
 * order's events back with a query. Returns the root, the item's SKU, the AddItem response
 * and the event type names read back.
 */
export async function orderRoundTrip(
  endpoint: string,
  options: { token?: string; syncMode?: SyncMode } = {},
): Promise<{ root: string; sku: string; events: string[]; added: CommandResponse }> {
  const client = Client.connect(endpoint, { timeoutMs: 5_000, token: options.token });
  try {
    const orders = client.domain("orders");
    const root = randomUUID();
    await orders.command(root).withCommand(CreateOrder, { customerId: "c-1" }).withSequence(0).execute();
    const sku = `sku-${randomUUID()}`;
    const add = orders.command(root).withCommand(AddItem, { sku, quantity: 2 }).withSequence(1);
    if (options.syncMode !== undefined) add.withSyncMode(options.syncMode);
    const added = await add.execute();
    const book = await orders.getEventBook(root);
    return {
      root,
      sku,
      added,
      events: book.pages.map((p) => (p.payload?.$case === "event" ? typeNameFromUrl(p.payload.value.typeUrl) : "(external)")),
    };
  } finally {
    await client.close();
  }
}
