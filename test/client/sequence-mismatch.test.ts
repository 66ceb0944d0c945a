import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { GrpcError, Status } from "../../src/errors.js";
import { Cover, MergeStrategy } from "../../src/gen/angzarr/types.js";
import { rejectsWith } from "./support/expect.js";
import { coverOf, FakeCoordinator } from "./support/fake-coordinator.js";

const cover = (domain: string): Cover => ({ domain, root: undefined, correlationId: "", edition: undefined });
const event = (size: number) => ({ $case: "event" as const, value: packAny(Cover, cover("e".repeat(size))) });

describe("sequence mismatches against a real gRPC server", () => {
  let fake: FakeCoordinator;
  let commands: CommandHandlerClient;
  before(async () => {
    fake = await FakeCoordinator.start();
    commands = CommandHandlerClient.connect(fake.address, { timeoutMs: 5000 });
  });
  after(async () => {
    await commands.close();
    fake.stop();
  });

  it("decodes the current EventBook from the grpc-status-details-bin trailer", async () => {
    const root = newRoot();
    fake.seed(coverOf("orders", root), [event(1), event(1), event(1)]);
    const err = await rejectsWith(commands.command("orders", root).withCommand(Cover, cover("late")).execute(), GrpcError);
    expect(err.code).to.equal(Status.FAILED_PRECONDITION);
    expect(err.isSequenceMismatch()).to.equal(true);
    expect(err.retryKind).to.equal("after-refresh");
    expect(err.details).to.equal("Sequence mismatch: command expects 0, aggregate at 3");
    const state = err.currentState!;
    expect(state.nextSequence).to.equal(3);
    expect(state.pages.map((p) => headerSequence(p.header))).to.deep.equal([0, 1, 2]);
  });

  it("receives a ~30 KiB details trailer intact (grpc-js delivers up to Node's 64 KiB header limit)", async () => {
    const root = newRoot();
    fake.seed(coverOf("orders", root), Array.from({ length: 30 }, () => event(1000)));
    const err = await rejectsWith(commands.command("orders", root).withCommand(Cover, cover("late")).execute(), GrpcError);
    expect(err.statusDetails!.length).to.be.within(30_000, 40_000);
    expect(err.currentState!.pages).to.have.length(30);
  });

  it("a details trailer beyond Node's HTTP/2 header-list limit never arrives: the call ends at its deadline", async () => {
    // Observed with grpc-js 1.14 (COORDINATOR.md §19): `grpc.max_metadata_size` is not read, the
    // ~64 KiB default applies to the base64 text, and the status is lost. Hence always a deadline.
    // Node then answers the server with GOAWAY(COMPRESSION_ERROR), and calls started on that
    // connection before grpc-js notices hang too, so this test uses a connection of its own
    // (grpc-js shares connections between channels unless told to use a local pool).
    await using own = CommandHandlerClient.connect(fake.address, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    const root = newRoot();
    fake.seed(coverOf("orders", root), Array.from({ length: 60 }, () => event(1000)));
    const started = Date.now();
    const err = await rejectsWith(
      own.command("orders", root).withCommand(Cover, cover("late")).execute({ timeoutMs: 300 }),
      GrpcError,
    );
    expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).to.be.within(250, 2000);
  });

  it("executeWithRefresh retries at the sequence the trailer reports, without a query", async () => {
    const root = newRoot();
    fake.seed(coverOf("orders", root), [event(1), event(1)]);
    const queriesBefore = fake.callsOf("GetEventBook").length;
    const response = await commands.executeWithRefresh(commands.command("orders", root).withCommand(Cover, cover("x")));
    expect(response.events!.pages.map((p) => headerSequence(p.header))).to.deep.equal([2]);
    expect(fake.callsOf("GetEventBook").length).to.equal(queriesBefore);
  });

  for (const mode of ["none", "garbage"] as const) {
    it(`executeWithRefresh queries the aggregate when the trailer is ${mode === "none" ? "absent" : "undecodable"}`, async () => {
      fake.mismatchDetails = mode;
      try {
        const root = newRoot();
        fake.seed(coverOf("orders", root), [event(1), event(1), event(1), event(1)]);
        const queriesBefore = fake.callsOf("GetEventBook").length;
        const request = commands.command("orders", root).withCommand(Cover, cover("x")).withSequence(1).build();
        const response = await commands.executeWithRefresh(request, { maxAttempts: 2 });
        expect(response.events!.pages.map((p) => headerSequence(p.header))).to.deep.equal([4]);
        expect(fake.callsOf("GetEventBook").length).to.equal(queriesBefore + 1);
        const sent = fake.callsOf("HandleCommand").at(-1)!.request as typeof request;
        expect(sent.command!.pages[0]!.mergeStrategy).to.equal(MergeStrategy.MERGE_COMMUTATIVE);
      } finally {
        fake.mismatchDetails = "book";
      }
    });
  }

  it("throws the last mismatch after maxAttempts and other failures at once", async () => {
    const root = newRoot();
    fake.seed(coverOf("orders", root), [event(1)]);
    // Another writer appends before each of our attempts, so every attempt is stale.
    let attempts = 0;
    fake.intercept = (m) => {
      if (m === "HandleCommand") {
        attempts++;
        fake.seed(coverOf("orders", root), [event(1)]);
      }
      return undefined;
    };
    try {
      const err = await rejectsWith(
        commands.executeWithRefresh(commands.command("orders", root).withCommand(Cover, cover("x")), { maxAttempts: 3 }),
        GrpcError,
      );
      expect(err.isSequenceMismatch()).to.equal(true);
      expect(attempts).to.equal(3);
    } finally {
      fake.intercept = () => undefined;
    }
    fake.intercept = (m) => (m === "HandleCommand" ? { code: Status.INVALID_ARGUMENT, details: "bad", metadata: undefined as never } : undefined);
    try {
      const before = fake.callsOf("HandleCommand").length;
      const err = await rejectsWith(commands.executeWithRefresh(commands.commandNew("orders").withCommand(Cover, cover("x"))), GrpcError);
      expect(err.code).to.equal(Status.INVALID_ARGUMENT);
      expect(fake.callsOf("HandleCommand").length - before).to.equal(1);
    } finally {
      fake.intercept = () => undefined;
    }
  });

  it("concurrent writers with retryOnSequenceMismatch all land, at distinct sequences", async () => {
    const root = newRoot();
    const writers = Array.from({ length: 8 }, (_, i) =>
      commands.command("orders", root).withCommand(Cover, cover(`w${i}`)).retryOnSequenceMismatch(10).execute(),
    );
    const responses = await Promise.all(writers);
    const sequences = responses.map((r) => headerSequence(r.events!.pages[0]!.header)).sort((a, b) => a! - b!);
    expect(sequences).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    const book = await QueryClient.fromChannel(commands.channel).query("orders", root).getEventBook();
    expect(book.nextSequence).to.equal(8);
  });
});
