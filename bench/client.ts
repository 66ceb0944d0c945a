/**
 * Per-call overhead of the SDK client against the raw ts-proto grpc-js client, both talking to
 * the same in-process server with the same payloads. Batches of SDK and raw calls alternate
 * (order flipped every round) after a warm-up; medians per kind are printed, and the last line
 * is `ratio: X.XX` = the median over rounds of SDK time / raw time (both kinds together).
 *
 *   npm run bench:client
 */
import { credentials, Metadata, Server, ServerCredentials, type ServiceError } from "@grpc/grpc-js";
import { Client } from "../src/client/index.js";
import { packAny } from "../src/core/any.js";
import { makeEventBook, makeEventPage } from "../src/core/books.js";
import { newRoot } from "../src/core/uuid.js";
import {
  CommandHandlerCoordinatorServiceClient,
  CommandHandlerCoordinatorServiceService,
  type CommandResponse,
} from "../src/gen/angzarr/command_handler.js";
import { EventQueryServiceClient, EventQueryServiceService } from "../src/gen/angzarr/query.js";
import { Cover, MergeStrategy, type CommandRequest, type EventBook, type Query } from "../src/gen/angzarr/types.js";

const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);

const domain = "orders";
const root = newRoot();
const message: Cover = { domain: "payload-domain", root: undefined, correlationId: "corr-1", edition: undefined };
const book: EventBook = makeEventBook(
  { domain, root },
  Array.from({ length: 5 }, (_, i) => makeEventPage(i, packAny(Cover, message), { seconds: 1_700_000_000, nanos: 0 })),
);
const response: CommandResponse = { events: makeEventBook({ domain, root }, [book.pages[0]!]), projections: [], cascadeErrors: [] };

async function startServer(): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(CommandHandlerCoordinatorServiceService, {
    handleCommand: (_call: unknown, cb: (e: null, r: CommandResponse) => void) => cb(null, response),
    handleEvent: () => {},
    handleSyncSpeculative: () => {},
    handleCompensation: () => {},
  });
  server.addService(EventQueryServiceService, {
    getEventBook: (_call: unknown, cb: (e: null, r: EventBook) => void) => cb(null, book),
    getEvents: () => {},
    getAggregateRoots: () => {},
    synchronize: () => {},
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

function promised<T>(start: (cb: (err: ServiceError | null, res: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const { server, address } = await startServer();
  const sdk = Client.connect(address);
  const rawCommands = new CommandHandlerCoordinatorServiceClient(address, credentials.createInsecure());
  const rawQueries = new EventQueryServiceClient(address, credentials.createInsecure());

  // The raw client builds the same request from the same inputs on every call.
  const rawRoot = () => ({ value: Buffer.from(root.replace(/-/g, ""), "hex") });
  // The same raw calls with the deadline the SDK sends (its default 30 s), to show what the
  // deadline itself costs in grpc-js and what is left for the SDK.
  const withDeadline = () => ({ deadline: Date.now() + 30_000 });
  const rawCommand = (deadline = false): Promise<CommandResponse> => {
    const request: CommandRequest = {
      command: {
        cover: { domain, root: rawRoot(), correlationId: "", edition: undefined },
        pages: [
          {
            header: { sequenceType: { $case: "sequence", value: 0 } },
            mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE,
            payload: { $case: "command", value: packAny(Cover, message) },
          },
        ],
      },
      syncMode: 0,
      cascadeErrorMode: 0,
    };
    return promised((cb) =>
      deadline ? rawCommands.handleCommand(request, new Metadata(), withDeadline(), cb) : rawCommands.handleCommand(request, new Metadata(), cb),
    );
  };
  const rawQuery = (deadline = false): Promise<EventBook> => {
    const query: Query = { cover: { domain, root: rawRoot(), correlationId: "", edition: undefined }, selection: undefined };
    return promised((cb) =>
      deadline ? rawQueries.getEventBook(query, new Metadata(), withDeadline(), cb) : rawQueries.getEventBook(query, new Metadata(), cb),
    );
  };
  const sdkCommand = () => sdk.commands.command(domain, root).withCommand(Cover, message).execute();
  const sdkQuery = () => sdk.queries.query(domain, root).getEventBook();

  const kinds = {
    command: { sdk: sdkCommand, raw: () => rawCommand(), rawDeadline: () => rawCommand(true) },
    query: { sdk: sdkQuery, raw: () => rawQuery(), rawDeadline: () => rawQuery(true) },
  } as const;

  const batch = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) await fn();
    return Number(process.hrtime.bigint() - started) / 1000 / BATCH; // µs per call
  };

  for (const kind of Object.values(kinds)) {
    for (let i = 0; i < WARMUP; i++) {
      await kind.sdk();
      await kind.raw();
      await kind.rawDeadline();
    }
  }

  // Each round runs one SDK and one raw batch per kind back to back (order flipped every round),
  // so a ratio pairs batches measured under the same conditions.
  const perCall: Record<string, { sdk: number[]; raw: number[]; rawDeadline: number[] }> = {
    command: { sdk: [], raw: [], rawDeadline: [] },
    query: { sdk: [], raw: [], rawDeadline: [] },
  };
  const roundRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sums = { sdk: 0, raw: 0 };
    for (const [name, kind] of Object.entries(kinds)) {
      const order = round % 2 === 0 ? (["sdk", "raw", "rawDeadline"] as const) : (["rawDeadline", "raw", "sdk"] as const);
      for (const who of order) {
        const us = await batch(kind[who]);
        perCall[name]![who].push(us);
        if (who !== "rawDeadline") sums[who] += us;
      }
    }
    roundRatios.push(sums.sdk / sums.raw);
  }

  for (const [name, s] of Object.entries(perCall)) {
    const paired = median(s.sdk.map((us, i) => us / s.raw[i]!));
    console.log(`${name.padEnd(8)} sdk ${median(s.sdk).toFixed(1)} µs/call  raw ${median(s.raw).toFixed(1)} µs/call  ratio ${paired.toFixed(2)}`);
    const own = median(s.sdk.map((us, i) => us / s.rawDeadline[i]!));
    console.log(
      `${"".padEnd(8)} raw with the SDK's deadline ${median(s.rawDeadline).toFixed(1)} µs/call: the deadline costs grpc-js ${(median(s.rawDeadline.map((us, i) => us / s.raw[i]!)) * 100 - 100).toFixed(1)} %, the SDK's own ratio ${own.toFixed(2)}`,
    );
  }
  console.log(`${ROUNDS} rounds x ${BATCH} sequential calls per kind and client after ${WARMUP} warm-up calls each;`);
  console.log("the SDK always sends a deadline (grpc-timeout + timers on both ends), the raw client sends none");
  console.log(`ratio: ${median(roundRatios).toFixed(2)}`);

  await sdk.close();
  rawCommands.close();
  rawQueries.close();
  server.forceShutdown();
}

await main();
