/**
 * Faults around the client: the coordinator (a child process) is killed in the middle of a
 * GetEvents stream and of a command. The client gets a typed error (ConnectionError,
 * TransportError or GrpcError UNAVAILABLE) instead of hanging, and the next call, once the
 * coordinator is back, goes through on the same client. With a retry policy, a query during the
 * outage is retried with growing, jittered delays until it succeeds, and a command is retried
 * only when the caller sets `retryCommands`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Client, type RetryInfo, type RetryPolicy } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { createLogger, startCoordinator } from "../../src/coordinator/index.js";
import { ConnectionError, GrpcError, Status } from "../../src/errors.js";
import type { ServerHandle } from "../../src/server/index.js";
import { closedPortEndpoint, startFaultProxy, type FaultProxy } from "../../src/testing/index.js";
import { freePort } from "../support/ports.js";
import { startChildCoordinator, type ChildCoordinator } from "./support/child-coordinator.js";
import { figure, n } from "./support/figures.js";
import { AddItem, CreateOrder, ordersRouteEnv, startHandler } from "./support/orders.js";
import { sqliteStore, type TestStore } from "./support/stores.js";
import { rejectionOf } from "../support/assertions.js";

/** Deadline of every call: only a guard against hanging. */
const TIMEOUT_MS = 15_000;
const BOOKS = 40;
/** Each book's event carries this many bytes, so the stream cannot be delivered before the kill. */
const EVENT_BYTES = 200_000;

/** True for the typed failures a broken or refused connection must produce. */
function isConnectionFailure(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof GrpcError && err.code === Status.UNAVAILABLE);
}

describe("faults around the client: coordinator restarts", () => {
  let handler: ServerHandle;
  let proxy: FaultProxy;
  let store: TestStore;
  let env: Record<string, string>;
  let coordinator: ChildCoordinator;
  const facts: string[] = [];

  before(async () => {
    handler = await startHandler();
    // Between coordinator and handler, so a command can be held in flight.
    proxy = await startFaultProxy(handler.address);
    store = sqliteStore();
    env = { ...store.env, ...ordersRouteEnv(proxy.endpoint), ANGZARR__TRANSPORT__TCP__PORT: String(await freePort()) };
    coordinator = await startChildCoordinator(env);
  });

  after(async () => {
    await coordinator?.stop();
    await proxy?.close();
    await handler?.stop(1_000);
    await store?.drop();
    figure(`client-faults: ${facts.join("; ")}`);
  });

  const restart = async () => {
    await coordinator.kill();
    coordinator = await startChildCoordinator(env);
  };

  it("a GetEvents stream cut by a restart fails with a typed error; the next call on the client reconnects", async () => {
    const client = Client.connect(coordinator.address, { timeoutMs: TIMEOUT_MS });
    try {
      const correlationId = `stream-${newRoot().slice(0, 8)}`;
      for (let i = 0; i < BOOKS; i++) {
        const root = newRoot();
        const order = () => client.commands.command("orders", root).withCorrelationId(correlationId);
        await order().withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
        await order()
          .withCommand(AddItem, { sku: "x".repeat(EVENT_BYTES), quantity: 1 })
          .withSequence(1)
          .execute();
      }
      let received = 0;
      const failure = await rejectionOf(
        (async () => {
          for await (const _book of client.queries.queryByCorrelation(correlationId).getEvents()) {
            if (++received === 1) await restart();
          }
        })(),
      );
      expect(isConnectionFailure(failure), String(failure)).to.equal(true);
      expect(received).to.be.lessThan(BOOKS);
      const again = await client.queries.queryByCorrelation(correlationId).getEvents().collect();
      expect(again).to.have.length(BOOKS);
      facts.push(`stream cut after ${received}/${BOOKS} books -> ${(failure as Error).name}, next call read all ${BOOKS}`);
    } finally {
      await client.close();
    }
  });

  it("a command cut by a restart fails with a typed error; the next command on the client goes through", async () => {
    const client = Client.connect(coordinator.address, { timeoutMs: TIMEOUT_MS });
    try {
      const root = newRoot();
      proxy.setMode("hold");
      const pending = rejectionOf(client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute());
      await sleep(200);
      await restart();
      const failure = await pending;
      proxy.setMode("pass");
      expect(isConnectionFailure(failure), String(failure)).to.equal(true);
      // The handler never answered the held call, so nothing was stored: sequence 0 is free.
      const next = await client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();
      expect(next.events?.pages).to.have.length(1);
      facts.push(`command cut -> ${(failure as Error).name}, next command stored`);
    } finally {
      proxy.setMode("pass");
      await client.close();
    }
  });

  it("calls during an outage fail fast with ConnectionError; after the restart the same client recovers by itself", async () => {
    const client = Client.connect(coordinator.address, { timeoutMs: TIMEOUT_MS });
    try {
      await client.queries.query("orders", newRoot()).getEventBook();
      await coordinator.kill();
      const down: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        down.push(await rejectionOf(client.queries.query("orders", newRoot()).getEventBook()));
        await sleep(200);
      }
      expect(
        down.every((e) => e instanceof ConnectionError),
        down.map(String).join("\n"),
      ).to.equal(true);
      coordinator = await startChildCoordinator(env);
      const back = performance.now();
      let failedAfterRestart = 0;
      for (;;) {
        try {
          await client.queries.query("orders", newRoot()).getEventBook();
          break;
        } catch (err) {
          // The channel retries the connection on its own backoff (100 ms, growing to 1 s).
          expect(isConnectionFailure(err), String(err)).to.equal(true);
          if (performance.now() - back > TIMEOUT_MS) throw err;
          failedAfterRestart++;
          await sleep(50);
        }
      }
      facts.push(
        `${down.length} calls during the outage -> ConnectionError; after the restart ${failedAfterRestart} fast failures, ` +
          `then served (${Math.round(performance.now() - back)} ms)`,
      );
    } finally {
      await client.close();
    }
  });

  it("with a retry policy a query during an outage is retried with growing, jittered delays until the coordinator is back", async () => {
    const policy: RetryPolicy = { maxAttempts: 30, initialDelayMs: 40, maxDelayMs: 640, multiplier: 2, jitter: 0.5 };
    const retries: Array<RetryInfo & { at: number }> = [];
    const client = Client.connect(coordinator.address, {
      timeoutMs: 60_000,
      retry: { ...policy, onRetry: (r) => retries.push({ ...r, at: performance.now() }) },
    });
    try {
      await client.queries.query("orders", newRoot()).getEventBook();
      await coordinator.kill();
      const query = client.queries.query("orders", newRoot()).getEventBook();
      const failedEarly = query.then(
        () => "answered while down",
        (err: unknown) => `failed: ${String(err)}`,
      );
      while (retries.length < 4) {
        const early = await Promise.race([failedEarly, sleep(10).then(() => undefined)]);
        if (early) throw new Error(`the query ${early} before its fourth retry`);
      }
      coordinator = await startChildCoordinator(env);
      const book = await query;
      expect(book.pages).to.deep.equal([]);
      retries.forEach((r, i) => {
        const base = Math.min(policy.maxDelayMs!, policy.initialDelayMs! * policy.multiplier! ** i);
        expect(r.attempt).to.equal(i + 1);
        expect(isConnectionFailure(r.error), String(r.error)).to.equal(true);
        expect(r.delayMs, `delay ${i + 1}`).to.be.within(base * (1 - policy.jitter!), base);
        // The next attempt (and so its failure) comes only after the announced delay.
        if (i > 0) expect(r.at - retries[i - 1]!.at, `gap before attempt ${i + 1}`).to.be.at.least(retries[i - 1]!.delayMs - 1);
      });
      facts.push(
        `query retried ${retries.length} times until the restart (delays ${retries.map((r) => Math.round(r.delayMs)).join(", ")} ms ` +
          `for bases ${retries.map((_, i) => Math.min(policy.maxDelayMs!, policy.initialDelayMs! * 2 ** i)).join(", ")})`,
      );
    } finally {
      await client.close();
    }
  });
});

describe("faults around the client: commands are retried only on request", () => {
  it("a command answered UNAVAILABLE reaches the coordinator once, or maxAttempts times with retryCommands", async () => {
    // The coordinator answers UNAVAILABLE itself: its handler address is closed.
    const lines: string[] = [];
    const coordinator = await startCoordinator({
      port: 0,
      storage: { type: "memory" },
      routes: { orders: await closedPortEndpoint() },
      logger: createLogger("debug", (line) => lines.push(line)),
    });
    const handleCommands = () => lines.filter((l) => l.includes('method="HandleCommand"')).length;
    const policy: RetryPolicy = { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 20 };
    const send = async (retryCommands: boolean) => {
      const client = Client.connect(coordinator.address, { timeoutMs: TIMEOUT_MS, retry: { ...policy, retryCommands } });
      const before = handleCommands();
      try {
        const err = await rejectionOf(
          client.commands.command("orders", newRoot()).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute(),
        );
        // The coordinator answered: a GrpcError naming the handler's address, not a ConnectionError.
        expect(err).to.be.instanceOf(GrpcError);
        expect((err as GrpcError).code).to.equal(Status.UNAVAILABLE);
        expect((err as GrpcError).details).to.match(/^Cannot connect to 127\.0\.0\.1:\d+: /);
        return handleCommands() - before;
      } finally {
        await client.close();
      }
    };
    try {
      const plain = await send(false);
      const retried = await send(true);
      expect(plain).to.equal(1);
      expect(retried).to.equal(policy.maxAttempts);
      figure(`client-faults(commands): UNAVAILABLE command sent ${n(plain)} time without retryCommands, ${n(retried)} times with it`);
    } finally {
      await coordinator.stop(1_000);
    }
  });
});
