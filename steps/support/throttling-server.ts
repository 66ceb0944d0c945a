/**
 * A gRPC EventQueryService that sheds load: every GetEventBook is refused with
 * RESOURCE_EXHAUSTED and a `retry-after-ms` hint in the trailing metadata. The error handling
 * steps use it for a real error that carries retry timing, which no coordinator call gives.
 */
import * as grpc from "@grpc/grpc-js";
import { Status } from "../../src/errors.js";
import { EventQueryServiceService, type EventQueryServiceServer } from "../../src/gen/angzarr/query.js";
import type { AngzarrWorld } from "./world.js";

/**
 * Starts the throttling query server on a free loopback port, stopped with the scenario.
 * @param retryAfterMs - the hint every refusal carries.
 * @returns its `host:port`.
 */
export async function startThrottlingQueryServer(world: AngzarrWorld, retryAfterMs: number): Promise<string> {
  const notServed = (call: { destroy(error: Error): void }) => call.destroy(new Error("not served"));
  const service: EventQueryServiceServer = {
    getEventBook: (_call, callback) => {
      const metadata = new grpc.Metadata();
      metadata.set("retry-after-ms", String(retryAfterMs));
      callback({ code: Status.RESOURCE_EXHAUSTED, details: "too many queries, slow down", metadata }, null);
    },
    getEvents: notServed,
    synchronize: notServed,
    getAggregateRoots: notServed,
  };
  const server = new grpc.Server();
  server.addService(EventQueryServiceService, service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  world.track({ close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) });
  return `127.0.0.1:${port}`;
}
