/**
 * The raw grpc-js server of the coordinator benchmark's client->coordinator baseline hop: it
 * decodes each request with the generated code and answers a canned message (set beforehand
 * through `/bench.Stub/Set`), doing nothing else. Runs as its own process, like a coordinator.
 *   node --import tsx bench/support/stub-server.ts   → prints `stub listening on host:port`
 */
import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import { CommandHandlerCoordinatorServiceService, CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { EventQueryServiceService } from "../../src/gen/angzarr/query.js";
import { EventBook } from "../../src/gen/angzarr/types.js";
import { exitWithParent } from "./processes.js";
import { SET_COMMAND_RESPONSE, StubControlService } from "./raw-clients.js";

async function main(): Promise<void> {
  let commandResponse: CommandResponse = { events: undefined, projections: [], cascadeErrors: [] };
  let book: EventBook = { cover: undefined, pages: [], snapshot: undefined, nextSequence: 0 };
  const unimplemented = (_call: unknown, cb: (err: { code: number; details: string }) => void) =>
    cb({ code: status.UNIMPLEMENTED, details: "not part of the benchmark" });

  const server = new Server({ "grpc.max_receive_message_length": 64 << 20, "grpc.max_send_message_length": 64 << 20 });
  server.addService(CommandHandlerCoordinatorServiceService, {
    handleCommand: (_call: unknown, cb: (e: null, r: CommandResponse) => void) => cb(null, commandResponse),
    handleEvent: unimplemented,
    handleSyncSpeculative: unimplemented,
    handleCompensation: unimplemented,
  });
  server.addService(EventQueryServiceService, {
    getEventBook: (_call: unknown, cb: (e: null, r: EventBook) => void) => cb(null, book),
    getEvents: (call: { write(b: EventBook): void; end(): void }) => {
      call.write(book);
      call.end();
    },
    getAggregateRoots: (call: { end(): void }) => call.end(),
    synchronize: (call: { end(): void }) => call.end(),
  });
  server.addService(StubControlService, {
    set: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => {
      const bytes = call.request.subarray(1);
      if (call.request[0] === SET_COMMAND_RESPONSE) commandResponse = CommandResponse.decode(bytes);
      else book = EventBook.decode(bytes);
      cb(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  console.log(`stub listening on 127.0.0.1:${port}`);
  exitWithParent(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
}

await main();
