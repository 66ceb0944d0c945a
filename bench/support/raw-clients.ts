/**
 * The raw grpc-js side of the baselines: the generated ts-proto clients with no deadline, no
 * SDK and a fresh Metadata per call (as `bench/client.ts` measures them), for each hop a
 * command takes: client -> coordinator (answered by the stub server) and coordinator -> handler.
 */
import { Client, credentials, Metadata, type ServiceDefinition, type ServiceError } from "@grpc/grpc-js";
import {
  CommandHandlerCoordinatorServiceClient,
  CommandHandlerServiceClient,
  CommandResponse,
  type BusinessResponse,
} from "../../src/gen/angzarr/command_handler.js";
import { EventQueryServiceClient } from "../../src/gen/angzarr/query.js";
import { EventBook, type CommandRequest, type ContextualCommand, type Query } from "../../src/gen/angzarr/types.js";

/** First byte of a `/bench.Stub/Set` request: what the rest of it encodes. */
export const SET_COMMAND_RESPONSE = 0;
/** First byte of a `/bench.Stub/Set` request: an EventBook for GetEventBook and GetEvents. */
export const SET_EVENT_BOOK = 1;

/** `/bench.Stub/Set`: raw bytes both ways. */
export const StubControlService: ServiceDefinition = {
  set: {
    path: "/bench.Stub/Set",
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

const LIMITS = { "grpc.max_receive_message_length": 64 << 20, "grpc.max_send_message_length": 64 << 20 };

function promised<T>(start: (cb: (err: ServiceError | null, res: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

/** Raw clients of the stub server (hop 1) and of the business handler (hop 2). */
export class RawClients {
  readonly #commands: CommandHandlerCoordinatorServiceClient;
  readonly #queries: EventQueryServiceClient;
  readonly #control: Client;
  readonly #handler: CommandHandlerServiceClient;

  constructor(stubAddress: string, handlerAddress: string) {
    this.#commands = new CommandHandlerCoordinatorServiceClient(stubAddress, credentials.createInsecure(), LIMITS);
    this.#queries = new EventQueryServiceClient(stubAddress, credentials.createInsecure(), LIMITS);
    this.#control = new Client(stubAddress, credentials.createInsecure(), LIMITS);
    this.#handler = new CommandHandlerServiceClient(handlerAddress, credentials.createInsecure(), LIMITS);
  }

  /** Hop 1: a HandleCommand round trip to the stub. */
  command(request: CommandRequest): Promise<CommandResponse> {
    return promised((cb) => this.#commands.handleCommand(request, new Metadata(), cb));
  }

  /** Hop 2: the business call the coordinator makes for a command. */
  handle(request: ContextualCommand): Promise<BusinessResponse> {
    return promised((cb) => this.#handler.handle(request, new Metadata(), cb));
  }

  /** A GetEventBook round trip to the stub. */
  getEventBook(query: Query): Promise<EventBook> {
    return promised((cb) => this.#queries.getEventBook(query, new Metadata(), cb));
  }

  /** A GetEvents stream from the stub, read to its end; resolves with the pages received. */
  getEvents(query: Query): Promise<number> {
    return new Promise((resolve, reject) => {
      let pages = 0;
      const call = this.#queries.getEvents(query, new Metadata());
      call.on("data", (book: EventBook) => (pages += book.pages.length));
      call.on("error", reject);
      call.on("end", () => resolve(pages));
    });
  }

  /** Sets the stub's HandleCommand answer. */
  setCommandResponse(response: CommandResponse): Promise<void> {
    return this.#set(SET_COMMAND_RESPONSE, CommandResponse.encode(response).finish());
  }

  /** Sets the stub's GetEventBook / GetEvents answer. */
  setEventBook(book: EventBook): Promise<void> {
    return this.#set(SET_EVENT_BOOK, EventBook.encode(book).finish());
  }

  close(): void {
    this.#commands.close();
    this.#queries.close();
    this.#control.close();
    this.#handler.close();
  }

  async #set(kind: number, bytes: Uint8Array): Promise<void> {
    const request = Buffer.concat([Buffer.from([kind]), bytes]);
    await new Promise<void>((resolve, reject) =>
      this.#control.makeUnaryRequest(
        "/bench.Stub/Set",
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        new Metadata(),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
}
