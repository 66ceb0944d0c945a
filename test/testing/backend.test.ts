import { ordersTestDomain } from "../../examples/orders/index.js";
import { describe, it } from "node:test";
import { expect } from "chai";
import { Client } from "../../src/client/index.js";
import { computeRoot } from "../../src/core/identity.js";
import { BACKEND_LIMITS, capabilitiesOf, parseBackendKind, skipReason, startBackend } from "../../src/testing/backend.js";
import { closedPortEndpoint } from "../../src/testing/fault-proxy.js";
import { orderRoundTrip } from "./support.js";

describe("backend selection and capabilities", () => {
  it("parses the three kinds and refuses others, naming the valid ones", () => {
    for (const kind of ["embedded", "container", "external"]) expect(parseBackendKind(kind)).to.equal(kind);
    expect(() => parseBackendKind("docker")).to.throw('unknown test backend "docker" (expected embedded, container, external)');
  });

  it("startBackend() takes its kind from ANGZARR_BACKEND", async () => {
    const saved = process.env.ANGZARR_BACKEND;
    process.env.ANGZARR_BACKEND = "kubernetes";
    try {
      const error = await startBackend().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.contain('unknown test backend "kubernetes"');
    } finally {
      if (saved === undefined) delete process.env.ANGZARR_BACKEND;
      else process.env.ANGZARR_BACKEND = saved;
    }
  });

  it("the embedded backend refuses to start without business logic to serve", async () => {
    const error = await startBackend("embedded").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.contain("the embedded backend needs the business logic to serve");
  });

  it("derives capabilities from the documented limits", () => {
    expect([...capabilitiesOf("embedded")].sort()).to.deep.equal([
      "faults",
      "multi-domain",
      "process-managers",
      "projectors",
      "sagas",
      "seeding-snapshots",
    ]);
    expect(capabilitiesOf("embedded", ["auth"]).has("auth")).to.equal(true);
    expect([...capabilitiesOf("container")]).to.deep.equal(["faults"]);
    // Faults come from a proxy in front of the endpoint and from the orders test handler behind it.
    expect([...capabilitiesOf("external")]).to.deep.equal(["faults"]);
    expect(Object.keys(BACKEND_LIMITS.container).sort()).to.deep.equal([
      "auth",
      "multi-domain",
      "process-managers",
      "projectors",
      "sagas",
      "seeding-snapshots",
    ]);
  });

  it("skipReason names every missing capability with the backend's reason, and ignores other tags", () => {
    const container = { kind: "container" as const, capabilities: capabilitiesOf("container") };
    expect(skipReason(container, ["@needs-faults", "@smoke"])).to.equal(undefined);
    expect(skipReason(container, ["@needs-projectors", "@needs-sagas", "@wip"])).to.equal(
      `skipped on the container backend: needs projectors (${BACKEND_LIMITS.container.projectors}); sagas (${BACKEND_LIMITS.container.sagas})`,
    );
    expect(skipReason({ kind: "external", capabilities: capabilitiesOf("external") }, ["sagas"])).to.equal(
      `skipped on the external backend: needs sagas (${BACKEND_LIMITS.external.sagas})`,
    );
    expect(() => skipReason(container, ["@needs-projector"])).to.throw('unknown capability "projector" in "@needs-projector"');
  });
});

describe("external backend", () => {
  it("uses a coordinator that is already running, and does not stop it", async () => {
    const running = await startBackend("embedded", { embedded: { domain: ordersTestDomain } });
    try {
      const external = await startBackend("external", { external: { endpoint: running.endpoint } });
      expect(external.kind).to.equal("external");
      expect(external.endpoint).to.equal(running.endpoint);
      expect([...external.capabilities]).to.deep.equal(["faults"]);
      expect(external.store).to.equal(undefined);
      const { events } = await orderRoundTrip(external.endpoint);
      expect(events).to.have.length(2);
      await external.stop();
      const client = Client.connect(running.endpoint, { timeoutMs: 2000 });
      expect((await client.domain("orders").getEventBook(computeRoot("orders", "x"))).pages).to.deep.equal([]);
      await client.close();
    } finally {
      await running.stop();
    }
  });

  it("reads ANGZARR_ENDPOINT and refuses a missing or malformed one", async () => {
    const saved = process.env.ANGZARR_ENDPOINT;
    try {
      delete process.env.ANGZARR_ENDPOINT;
      const missing = await startBackend("external").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(missing?.message).to.equal('the external backend needs ANGZARR_ENDPOINT=host:port (got "")');
      process.env.ANGZARR_ENDPOINT = "localhost";
      const malformed = await startBackend("external").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(malformed?.message).to.contain('(got "localhost")');
    } finally {
      if (saved === undefined) delete process.env.ANGZARR_ENDPOINT;
      else process.env.ANGZARR_ENDPOINT = saved;
    }
  });

  it("fails at start, within its health deadline, when nothing answers", async () => {
    const endpoint = await closedPortEndpoint();
    const t0 = performance.now();
    const error = await startBackend("external", { external: { endpoint, healthTimeoutMs: 300 } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.contain(`coordinator at ${endpoint} did not answer a health check within 300 ms`);
    // Its own 300 ms health deadline, not the 5 s default (a hang guard, far from either).
    expect(performance.now() - t0).to.be.below(4000);
  });
});
