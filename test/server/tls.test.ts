import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { OrderAggregate } from "../../examples/orders/order-aggregate.js";
import { Status } from "../../src/errors.js";
import { ServingStatus } from "../../src/server/health.js";
import { runAggregateServer, silentLogger, type ServerHandle } from "../../src/server/index.js";
import { call, callError, clients } from "./support.js";

interface Pki {
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
}

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=angzarr test CA");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, ext] of [
    ["server", "server.ext"],
    ["client", "client.ext"],
  ] as const) {
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-extfile",
      ext,
    );
  }
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    ca: read("ca.crt"),
    serverCert: read("server.crt"),
    serverKey: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
  };
}

describe("TLS", () => {
  let dir: string;
  let pki: Pki;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "angzarr-tls-"));
    pki = makePki(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

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
