/** `await using` closes what tests start: coordinators, test backends and fault proxies. */
import { describe, it } from "node:test";
import { expect } from "chai";
import { ordersTestDomain } from "../../examples/orders/index.js";
import { startCoordinator } from "../../src/coordinator/index.js";
import { startBackend, startFaultProxy } from "../../src/testing/index.js";
import { accepts } from "../support/ports.js";

describe("await using", () => {
  it("stops a coordinator, a test backend and a fault proxy at the end of the block, once", async () => {
    let addresses: string[];
    {
      await using coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, logLevel: "error" });
      await using backend = await startBackend("embedded", { embedded: { domain: ordersTestDomain } });
      await using proxy = await startFaultProxy(backend.endpoint);
      addresses = [coordinator.address, backend.endpoint, proxy.endpoint];
      for (const address of addresses) expect(await accepts(address), address).to.equal(true);
      // An explicit stop before the end of the block is fine: disposing again is a no-op.
      await proxy.close();
      expect(await accepts(proxy.endpoint)).to.equal(false);
    }
    for (const address of addresses) expect(await accepts(address), `${address} after the block`).to.equal(false);
  });
});
