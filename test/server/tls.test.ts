import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import { Status } from "../../src/errors.js";
import { ServingStatus } from "../../src/server/health.js";
import { runAggregateServer, silentLogger, type ServerHandle } from "../../src/server/index.js";
import { call, callError, clients } from "./support.js";
import { makePki, type Pki } from "../support/pki.js";

describe("TLS", () => {
  let pki: Pki;
  before(() => {
    pki = makePki();
  });
  after(() => pki.remove());

  it("serves TLS to clients trusting the CA and refuses plaintext clients", async () => {
    const server: ServerHandle = await runAggregateServer(OrderAggregate, "127.0.0.1:0", {
      logger: silentLogger,
      tls: { cert: pki.serverCert, key: pki.serverKey },
    });
    const secure = clients(server.address, credentials.createSsl(pki.ca));
    const plain = clients(server.address);
    try {
      expect((await call(secure.health, secure.health.check, { service: "" })).status).to.equal(ServingStatus.SERVING);
      expect((await callError(plain.health, plain.health.check, { service: "" })).code).to.equal(Status.UNAVAILABLE);
    } finally {
      secure.close();
      plain.close();
      await server.stop();
    }
  });

  it("requires a client certificate signed by the CA with requireClientCert", async () => {
    const server = await runAggregateServer(OrderAggregate, "127.0.0.1:0", {
      logger: silentLogger,
      tls: { cert: pki.serverCert.toString(), key: pki.serverKey.toString(), ca: pki.ca, requireClientCert: true },
    });
    const withCert = clients(server.address, credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert));
    const withoutCert = clients(server.address, credentials.createSsl(pki.ca));
    try {
      expect((await call(withCert.health, withCert.health.check, { service: "" })).status).to.equal(ServingStatus.SERVING);
      expect((await callError(withoutCert.health, withoutCert.health.check, { service: "" })).code).to.equal(Status.UNAVAILABLE);
    } finally {
      withCert.close();
      withoutCert.close();
      await server.stop();
    }
  });

  it("refuses requireClientCert without a CA", async () => {
    const err = await runAggregateServer(OrderAggregate, "127.0.0.1:0", {
      tls: { cert: pki.serverCert, key: pki.serverKey, requireClientCert: true },
    }).catch((e: unknown) => e);
    expect(String(err)).to.contain("requireClientCert needs tls.ca");
  });
});
