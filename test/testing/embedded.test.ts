import { ordersTestDomain } from "../../examples/orders/index.js";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import { Client } from "../../src/client/index.js";
import { computeRoot } from "../../src/core/identity.js";
import { typeNameFromUrl } from "../../src/core/any.js";
import { Status, type ClientError } from "../../src/errors.js";
import { SyncMode } from "../../src/gen/angzarr/types.js";
import { ServingStatus } from "../../src/server/health.js";
import { startBackend, type TestBackend } from "../../src/testing/backend.js";
import { DEFAULT_TEST_TOKEN } from "../../src/testing/embedded.js";
import { startFaultProxy } from "../../src/testing/fault-proxy.js";
import { healthStatus, orderRoundTrip } from "./support.js";

describe("embedded backend", () => {
  let backend: TestBackend;
  let startMs: number;

  before(async () => {
    const t0 = performance.now();
    backend = await startBackend("embedded", { embedded: { domain: ordersTestDomain, auth: true } });
    startMs = performance.now() - t0;
  });
  after(() => backend.stop());

  it("starts and reports every capability", () => {
    // A figure, not a check: start-up time depends on the machine.
    console.log(`# embedded backend start: ${startMs.toFixed(0)} ms`);
    expect(backend.kind).to.equal("embedded");
    expect(backend.endpoint).to.match(/^127\.0\.0\.1:\d+$/);
    expect([...backend.capabilities].sort()).to.deep.equal([
      "auth",
      "faults",
      "multi-domain",
      "process-managers",
      "projectors",
      "sagas",
      "seeding-snapshots",
    ]);
    expect(backend.store?.kind).to.equal("sqlite");
  });

  it("answers a health check", async () => {
    expect(await healthStatus(backend.endpoint)).to.equal(ServingStatus.SERVING);
  });

  it("answers a query for an unknown root with an empty book", async () => {
    const client = Client.connect(backend.endpoint, { timeoutMs: 2000 });
    try {
      const book = await client.domain("orders").getEventBook(computeRoot("orders", "nobody"));
      expect(book.pages).to.deep.equal([]);
    } finally {
      await client.close();
    }
  });

  it("runs commands through the orders handler and reads them back; the store holds them", async () => {
    const { root, events } = await orderRoundTrip(backend.endpoint);
    expect(events).to.deep.equal(["examples.orders.OrderCreated", "examples.orders.ItemAdded"]);
    const stored = await backend.store!.read({ domain: "orders", edition: "angzarr", root });
    expect(stored.map((e) => e.sequence)).to.deep.equal([0, 1]);
  });

  it("runs the order-summary projector and the orders -> inventory saga on CASCADE", async () => {
    const { sku, added } = await orderRoundTrip(backend.endpoint, { syncMode: SyncMode.SYNC_MODE_CASCADE });
    expect(added.projections.map((p) => p.projector)).to.include("order-summary");
    const client = Client.connect(backend.endpoint, { timeoutMs: 2000 });
    try {
      const stock = await client.domain("inventory").getEventBook(computeRoot("inventory", sku));
      expect(stock.pages.map((p) => (p.payload?.$case === "event" ? typeNameFromUrl(p.payload.value.typeUrl) : ""))).to.deep.equal([
        "examples.inventory.StockReserved",
      ]);
    } finally {
      await client.close();
    }
  });

  it("routes only its domains (multi-domain): an unknown domain is NOT_FOUND", async () => {
    const client = Client.connect(backend.endpoint, { timeoutMs: 2000 });
    try {
      const error = await client
        .domain("billing")
        .command(computeRoot("billing", "x"))
        .withCommandAny({ typeUrl: "type.googleapis.com/billing.Charge", value: Buffer.alloc(0) })
        .withSequence(0)
        .execute()
        .then(
          () => undefined,
          (e: { code?: Status }) => e,
        );
      expect(error?.code).to.equal(Status.NOT_FOUND);
    } finally {
      await client.close();
    }
  });

  it("auth: the second coordinator refuses calls without a token and serves calls with one", async () => {
    expect(backend.auth?.tokens).to.deep.equal([DEFAULT_TEST_TOKEN]);
    const endpoint = backend.auth!.endpoint;
    const anonymous = await orderRoundTrip(endpoint).then(
      () => undefined,
      (e: { code?: Status }) => e,
    );
    expect(anonymous?.code).to.equal(Status.UNAUTHENTICATED);
    const { events } = await orderRoundTrip(endpoint, { token: DEFAULT_TEST_TOKEN });
    expect(events).to.have.length(2);
  });

  it("faults: a fault proxy in front of the coordinator passes and resets real calls", async () => {
    const proxy = await startFaultProxy(backend.endpoint);
    const client = Client.connect(proxy.endpoint, { timeoutMs: 2000 });
    try {
      const root = computeRoot("orders", "through-the-proxy");
      expect((await client.domain("orders").getEventBook(root)).pages).to.deep.equal([]);
      proxy.setMode("reset");
      const error = await client
        .domain("orders")
        .getEventBook(root)
        .then(
          () => undefined,
          (e: ClientError) => e,
        );
      expect(error?.isConnectionError(), String(error)).to.equal(true);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});

describe("embedded backend lifecycle", () => {
  it("stops; the endpoint is closed afterwards; stop is idempotent", async () => {
    const backend = await startBackend("embedded", { embedded: { domain: ordersTestDomain } });
    expect(backend.capabilities.has("auth")).to.equal(false);
    expect(backend.auth).to.equal(undefined);
    await orderRoundTrip(backend.endpoint);
    const t0 = performance.now();
    await backend.stop();
    const stopMs = performance.now() - t0;
    console.log(`# embedded backend stop: ${stopMs.toFixed(0)} ms`); // a figure, not a check
    const error = await healthStatus(backend.endpoint, 500).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).to.equal(grpc.status.UNAVAILABLE);
    await backend.stop();
  });

  it("uses the storage it is given", async () => {
    const backend = await startBackend("embedded", { embedded: { domain: ordersTestDomain, storage: { type: "memory" } } });
    try {
      const { root } = await orderRoundTrip(backend.endpoint);
      expect(backend.store!.kind).to.equal("memory");
      expect(await backend.store!.read({ domain: "orders", edition: "angzarr", root })).to.have.length(2);
    } finally {
      await backend.stop();
    }
  });
});
