import { after, before, describe, it } from "node:test";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient, type RetryInfo, type RetryPolicy } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError, GrpcError, Status } from "../../src/errors.js";
import { Cover } from "../../src/gen/angzarr/types.js";
import { rejectsWith } from "../support/assertions.js";
import { freePort } from "../support/ports.js";
import { startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";

const cover: Cover = { domain: "x", root: undefined, correlationId: "", edition: undefined };
const unavailable = (metadata = new Metadata()): StatusObject => ({ code: Status.UNAVAILABLE, details: "overloaded", metadata });
const fast: RetryPolicy = { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 20, jitter: 0 };

describe("RetryPolicy against the embedded coordinator", () => {
  let coordinator: TestCoordinator;
  let tap: CoordinatorTap;
  before(async () => {
    coordinator = await startTestCoordinator();
    tap = await CoordinatorTap.start(coordinator.address);
  });
  after(async () => {
    tap.stop();
    await coordinator.stop();
  });

  /** Fail the first `n` calls of `method` with `failure`. */
  const failFirst = (method: string, n: number, failure: () => StatusObject) => {
    let left = n;
    tap.intercept = (call) => (call.method === method && left-- > 0 ? failure() : undefined);
  };
  const reset = () => (tap.intercept = () => undefined);
  const count = (method: string) => tap.callsOf(method).length;

  it("is off by default: one attempt", async () => {
    failFirst("GetEventBook", 1, unavailable);
    const queries = QueryClient.connect(tap.address);
    try {
      const before = count("GetEventBook");
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook(), GrpcError);
      expect(err.code).to.equal(Status.UNAVAILABLE);
      expect(count("GetEventBook") - before).to.equal(1);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("retries a query on UNAVAILABLE with backoff until it succeeds", async () => {
    failFirst("GetEventBook", 2, unavailable);
    const seen: RetryInfo[] = [];
    const queries = QueryClient.connect(tap.address, { retry: { ...fast, onRetry: (i) => seen.push(i) } });
    try {
      const before = count("GetEventBook");
      const book = await queries.query("orders", newRoot()).getEventBook();
      expect(book.pages).to.deep.equal([]);
      expect(count("GetEventBook") - before).to.equal(3);
      expect(seen.map((i) => [i.attempt, i.delayMs, i.error.code])).to.deep.equal([
        [1, 5, Status.UNAVAILABLE],
        [2, 10, Status.UNAVAILABLE],
      ]);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("gives up after maxAttempts with the last error", async () => {
    failFirst("GetEventBook", 100, unavailable);
    const queries = QueryClient.connect(tap.address, { retry: fast });
    try {
      const before = count("GetEventBook");
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook(), GrpcError);
      expect(err.code).to.equal(Status.UNAVAILABLE);
      expect(count("GetEventBook") - before).to.equal(4);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("does not retry other codes", async () => {
    failFirst("GetEventBook", 1, () => ({ code: Status.INTERNAL, details: "boom", metadata: new Metadata() }));
    const queries = QueryClient.connect(tap.address, { retry: fast });
    try {
      const before = count("GetEventBook");
      await rejectsWith(queries.query("orders", newRoot()).getEventBook(), GrpcError);
      expect(count("GetEventBook") - before).to.equal(1);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("never retries a command unless retryCommands is set", async () => {
    const once = async (policy: RetryPolicy) => {
      failFirst("HandleCommand", 1, unavailable);
      const commands = CommandHandlerClient.connect(tap.address, { retry: policy });
      const before = count("HandleCommand");
      try {
        await commands.commandNew("orders").withCommand(Cover, cover).execute();
        return { ok: true, attempts: count("HandleCommand") - before };
      } catch (err) {
        expect(err).to.be.instanceOf(GrpcError);
        return { ok: false, attempts: count("HandleCommand") - before };
      } finally {
        reset();
        await commands.close();
      }
    };
    expect(await once(fast)).to.deep.equal({ ok: false, attempts: 1 });
    expect(await once({ ...fast, retryCommands: true })).to.deep.equal({ ok: true, attempts: 2 });

    failFirst("HandleEvent", 1, unavailable);
    const commands = CommandHandlerClient.connect(tap.address, { retry: fast });
    try {
      const before = count("HandleEvent");
      await rejectsWith(
        commands.injectFact({ domain: "orders", root: newRoot(), externalId: "e", events: [{ type: Cover, message: cover }] }),
        GrpcError,
      );
      expect(count("HandleEvent") - before).to.equal(1);
    } finally {
      reset();
      await commands.close();
    }
  });

  it("honours the server's retry-after-ms hint", async () => {
    const md = new Metadata();
    md.set("retry-after-ms", "250");
    failFirst("GetEventBook", 1, () => unavailable(md));
    const seen: number[] = [];
    const queries = QueryClient.connect(tap.address, { retry: { ...fast, onRetry: (i) => seen.push(i.delayMs) } });
    try {
      const started = Date.now();
      await queries.query("orders", newRoot()).getEventBook();
      expect(Date.now() - started).to.be.at.least(240);
      expect(seen).to.deep.equal([250]);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("stops at the overall deadline instead of sleeping past it", async () => {
    failFirst("GetEventBook", 100, unavailable);
    const queries = QueryClient.connect(tap.address, { retry: { maxAttempts: 10, initialDelayMs: 10_000, maxDelayMs: 10_000 } });
    try {
      const started = Date.now();
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 3_000 }), GrpcError);
      expect(err.code).to.equal(Status.UNAVAILABLE);
      // Gives up at once: far below both the 3 s deadline and the 10 s backoff, on any machine.
      expect(Date.now() - started).to.be.below(2_000);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("an abort during the backoff rejects at once with CANCELLED", async () => {
    failFirst("GetEventBook", 100, unavailable);
    const queries = QueryClient.connect(tap.address, { retry: { maxAttempts: 5, initialDelayMs: 10_000, maxDelayMs: 10_000 } });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ signal: controller.signal }), GrpcError);
      expect(err.code).to.equal(Status.CANCELLED);
      expect(Date.now() - started).to.be.below(1000);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("retries a stream that fails before its first message", async () => {
    failFirst("GetEvents", 2, unavailable);
    const queries = QueryClient.connect(tap.address, { retry: fast });
    try {
      const before = count("GetEvents");
      const books = await queries.query("orders", newRoot()).getEvents().collect();
      expect(books).to.have.length(1);
      expect(count("GetEvents") - before).to.equal(3);
    } finally {
      reset();
      await queries.close();
    }
  });

  it("recovers from ConnectionError once the server comes up", async () => {
    const port = await freePort();
    let late: Promise<TestCoordinator> | undefined;
    const queries = QueryClient.connect(`127.0.0.1:${port}`, {
      retry: {
        maxAttempts: 20,
        initialDelayMs: 100,
        maxDelayMs: 300,
        onRetry: (info) => {
          expect(info.error).to.be.instanceOf(ConnectionError);
          late ??= startTestCoordinator({ port });
        },
      },
    });
    try {
      const book = await queries.query("orders", newRoot()).getEventBook({ timeoutMs: 10_000 });
      expect(book.pages).to.deep.equal([]);
    } finally {
      await queries.close();
      await (await late)?.stop();
    }
  });
});
