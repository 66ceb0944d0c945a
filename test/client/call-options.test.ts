import { after, before, describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient, type CallOptions, type ClientOptions } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError, GrpcError, InvalidArgumentError, Status } from "../../src/errors.js";
import { Cover } from "../../src/gen/angzarr/types.js";
import { eventually, rejectsWith } from "../support/assertions.js";
import { startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";

const cover: Cover = { domain: "x", root: undefined, correlationId: "", edition: undefined };

describe("call options against the embedded coordinator", () => {
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

  const lastCall = () => tap.calls.at(-1)!;
  const withClient = async <T>(opts: ClientOptions, fn: (c: QueryClient) => Promise<T>): Promise<T> => {
    const client = QueryClient.connect(tap.address, opts);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  };
  const read = (c: QueryClient, opts?: CallOptions) => c.query("orders", newRoot()).getEventBook(opts);

  describe("deadlines", () => {
    it("a server that never answers ends in DEADLINE_EXCEEDED at the call's deadline", async () => {
      tap.intercept = () => "hang";
      try {
        await withClient({}, async (c) => {
          const started = Date.now();
          const err = await rejectsWith(read(c, { timeoutMs: 150 }), GrpcError);
          expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
          expect(err.isRetryable()).to.equal(false);
          expect(Date.now() - started).to.be.within(120, 1500);
        });
      } finally {
        tap.intercept = () => undefined;
      }
    });

    it("the client's default deadline applies when the call gives none", async () => {
      tap.intercept = () => "hang";
      try {
        await withClient({ timeoutMs: 120 }, async (c) => {
          const err = await rejectsWith(read(c), GrpcError);
          expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
        });
      } finally {
        tap.intercept = () => undefined;
      }
    });

    it("always sends a deadline: 30 s by default, the client's, or the call's (which wins)", async () => {
      const cases: Array<[ClientOptions, CallOptions | undefined, number]> = [
        [{}, undefined, 30_000],
        [{ timeoutMs: 5_000 }, undefined, 5_000],
        [{ timeoutMs: 5_000 }, { timeoutMs: 60_000 }, 60_000],
        [{}, { timeoutMs: 2_000 }, 2_000],
      ];
      for (const [clientOpts, callOpts, expected] of cases) {
        await withClient(clientOpts, async (c) => {
          const sent = Date.now();
          await read(c, callOpts);
          expect(lastCall().deadline - sent, JSON.stringify([clientOpts, callOpts])).to.be.within(expected - 1000, expected + 50);
        });
      }
    });

    it("server-streaming calls get the deadline too", async () => {
      await withClient({ timeoutMs: 4_000 }, async (c) => {
        const sent = Date.now();
        await c.query("orders", newRoot()).getEvents().collect();
        expect(tap.callsOf("GetEvents").at(-1)!.deadline - sent).to.be.within(3000, 4050);
      });
    });

    it("refuses a non-positive timeoutMs before calling", async () => {
      await withClient({}, async (c) => {
        await rejectsWith(read(c, { timeoutMs: 0 }), InvalidArgumentError);
        expect(() => c.getEvents(c.query("orders", newRoot()).build(), { timeoutMs: -1 })).to.throw(InvalidArgumentError);
      });
    });
  });

  describe("abort signals", () => {
    it("an already aborted signal rejects without a call", async () => {
      await withClient({}, async (c) => {
        const before = tap.calls.length;
        const err = await rejectsWith(read(c, { signal: AbortSignal.abort("stop") }), GrpcError);
        expect(err.code).to.equal(Status.CANCELLED);
        expect(err.cause).to.equal("stop");
        expect(tap.calls.length).to.equal(before);
      });
    });

    it("aborting mid-call cancels it on the server", async () => {
      tap.intercept = () => "hang";
      try {
        await withClient({}, async (c) => {
          const before = tap.cancellations;
          const controller = new AbortController();
          const pending = read(c, { signal: controller.signal });
          setTimeout(() => controller.abort(new Error("user left")), 50);
          const err = await rejectsWith(pending, GrpcError);
          expect(err.code).to.equal(Status.CANCELLED);
          expect((err.cause as Error).message).to.equal("user left");
          await eventually(() => tap.cancellations, { until: (n) => n > before, what: "server-side cancellations" });
          expect(tap.cancellations).to.be.greaterThan(before);
        });
      } finally {
        tap.intercept = () => undefined;
      }
    });

    it("AbortSignal.timeout works as a caller-side timeout", async () => {
      tap.intercept = () => "hang";
      try {
        await withClient({}, async (c) => {
          const err = await rejectsWith(read(c, { signal: AbortSignal.timeout(60) }), GrpcError);
          expect(err.code).to.equal(Status.CANCELLED);
          expect((err.cause as Error).name).to.equal("TimeoutError");
        });
      } finally {
        tap.intercept = () => undefined;
      }
    });
  });

  describe("metadata and tokens", () => {
    it("merges client and call metadata; the call's values replace the client's", async () => {
      const callMd = new Metadata();
      callMd.set("x-request", "r-1");
      callMd.set("x-tenant", "call-tenant");
      await withClient({ metadata: { "x-tenant": "client-tenant", "x-app": "shop" } }, async (c) => {
        await read(c, { metadata: callMd });
        const md = lastCall().metadata;
        expect(md.get("x-tenant")).to.deep.equal(["call-tenant"]);
        expect(md.get("x-app")).to.deep.equal(["shop"]);
        expect(md.get("x-request")).to.deep.equal(["r-1"]);
        await read(c, { metadata: { "x-other": "o" } });
        expect(lastCall().metadata.get("x-tenant")).to.deep.equal(["client-tenant"]);
        expect(lastCall().metadata.get("x-request")).to.deep.equal([]);
      });
    });

    it("sends a static bearer token on a plaintext channel, on unary and streaming calls", async () => {
      await withClient({ token: "s3cret" }, async (c) => {
        await read(c);
        expect(lastCall().metadata.get("authorization")).to.deep.equal(["Bearer s3cret"]);
        await c.query("orders", newRoot()).getEvents().collect();
        expect(tap.callsOf("GetEvents").at(-1)!.metadata.get("authorization")).to.deep.equal(["Bearer s3cret"]);
      });
    });

    it("asks an async token provider before every call", async () => {
      let n = 0;
      await withClient({ token: async () => `t${++n}` }, async (c) => {
        await read(c);
        expect(lastCall().metadata.get("authorization")).to.deep.equal(["Bearer t1"]);
        await read(c);
        expect(lastCall().metadata.get("authorization")).to.deep.equal(["Bearer t2"]);
        const session = c.synchronize();
        session.end();
        await new Promise((r) => setTimeout(r, 50));
        for await (const _ of session);
        expect(tap.callsOf("Synchronize").at(-1)!.metadata.get("authorization")).to.deep.equal(["Bearer t3"]);
      });
    });

    it("an explicit authorization header wins over the token", async () => {
      await withClient({ token: "from-token" }, async (c) => {
        await read(c, { metadata: { authorization: "Basic abc" } });
        expect(lastCall().metadata.get("authorization")).to.deep.equal(["Basic abc"]);
      });
    });

    it("a failing token provider rejects the call with ConnectionError, an empty token with InvalidArgumentError", async () => {
      await withClient({ token: () => Promise.reject(new Error("idp down")) }, async (c) => {
        const err = await rejectsWith(read(c), ConnectionError);
        expect(err.message).to.match(/token provider failed: idp down/);
      });
      await withClient({ token: () => "" }, async (c) => {
        await rejectsWith(read(c), InvalidArgumentError);
      });
    });

    it("rejects illegal call metadata before calling", async () => {
      await withClient({}, async (c) => {
        await rejectsWith(read(c, { metadata: { "bad key": "v" } }), InvalidArgumentError);
      });
    });

    it("commands carry the same metadata", async () => {
      const commands = CommandHandlerClient.connect(tap.address, { token: "tok", metadata: { "x-app": "shop" } });
      try {
        await commands
          .commandNew("orders")
          .withCommand(Cover, cover)
          .execute({ metadata: { "x-request": "r" } });
        const md = tap.callsOf("HandleCommand").at(-1)!.metadata;
        expect(md.get("authorization")).to.deep.equal(["Bearer tok"]);
        expect(md.get("x-app")).to.deep.equal(["shop"]);
        expect(md.get("x-request")).to.deep.equal(["r"]);
      } finally {
        await commands.close();
      }
    });
  });
});
