/**
 * TLS, mutual TLS (with a throwaway CA made by the openssl CLI) and Unix-domain-socket endpoints.
 */
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerCredentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { Client, QueryClient, type TlsOptions } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError } from "../../src/errors.js";
import { Cover } from "../../src/gen/angzarr/types.js";
import { rejectsWith } from "../support/assertions.js";
import { startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";
import { makePki, type Pki } from "../support/pki.js";

const cover: Cover = { domain: "x", root: undefined, correlationId: "", edition: undefined };

// The coordinators serve TLS and mutual TLS themselves; a tap serving TLS in front of a
// plaintext coordinator shows what the client sends.
describe("TLS and mutual TLS", () => {
  let pki: Pki;
  let tls: TestCoordinator;
  let mtls: TestCoordinator;
  let plain: TestCoordinator;
  let tlsTap: CoordinatorTap;
  let port: string;

  before(async () => {
    pki = makePki();
    const keyPair = { cert: pki.serverCert, key: pki.serverKey };
    tls = await startTestCoordinator({ tls: keyPair });
    mtls = await startTestCoordinator({ tls: { ...keyPair, ca: pki.ca, requireClientCert: true } });
    plain = await startTestCoordinator();
    const credentials = ServerCredentials.createSsl(null, [{ private_key: pki.serverKey, cert_chain: pki.serverCert }], false);
    tlsTap = await CoordinatorTap.start(plain.address, { credentials });
    port = String(tls.coordinator.port);
  });
  after(async () => {
    tlsTap.stop();
    await Promise.all([tls.stop(), mtls.stop(), plain.stop()]);
    pki.remove();
  });

  const read = async (endpoint: string, tls: boolean | TlsOptions | undefined, extra = {}) => {
    await using queries = QueryClient.connect(endpoint, { tls, timeoutMs: 5000, ...extra });
    return await queries.query("orders", newRoot()).getEventBook();
  };

  it("connects with a custom CA (host:port + tls option, and https://)", async () => {
    expect((await read(`localhost:${port}`, { ca: pki.ca })).pages).to.deep.equal([]);
    expect((await read(`https://localhost:${port}`, { ca: pki.ca.toString() })).pages).to.deep.equal([]);
  });

  it("verifies the server name; serverName overrides it for an IP endpoint", async () => {
    expect((await read(`127.0.0.1:${port}`, { ca: pki.ca, serverName: "localhost" })).pages).to.deep.equal([]);
    await rejectsWith(read(`127.0.0.1:${port}`, { ca: pki.ca, serverName: "other.example" }), ConnectionError);
  });

  it("refuses a server whose CA is not trusted", async () => {
    const err = await rejectsWith(read(`https://localhost:${port}`, undefined), ConnectionError);
    expect(err.message).to.match(/cannot reach/);
  });

  it("sends the bearer token over TLS", async () => {
    await read(`https://localhost:${tlsTap.address.split(":")[1]}`, { ca: pki.ca }, { token: "tls-token" });
    expect(tlsTap.calls.at(-1)!.metadata.get("authorization")).to.deep.equal(["Bearer tls-token"]);
  });

  it("mutual TLS: a client certificate is required and accepted", async () => {
    const mport = mtls.coordinator.port;
    const ok = await read(`https://localhost:${mport}`, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
    expect(ok.pages).to.deep.equal([]);
    const err = await rejectsWith(read(`https://localhost:${mport}`, { ca: pki.ca }), Error);
    expect(err, String(err)).to.satisfy((e: unknown) => e instanceof ConnectionError);
  });

  it("commands work over mutual TLS through the all-in-one client", async () => {
    const mport = mtls.coordinator.port;
    await using client = Client.connect(`https://localhost:${mport}`, {
      tls: { ca: pki.ca, cert: pki.clientCert.toString(), key: pki.clientKey.toString() },
    });
    const response = await client.commands.commandNew("orders").withCommand(Cover, cover).execute();
    expect(response.events!.pages).to.have.length(1);
  });
});

describe("Unix domain socket endpoints", () => {
  let dir: string;
  let coordinator: TestCoordinator;
  let tap: CoordinatorTap;
  let path: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "angzarr-uds-"));
    path = join(dir, "ch-orders.sock");
    coordinator = await startTestCoordinator();
    tap = await CoordinatorTap.start(coordinator.address, { address: `unix:${path}` });
  });
  after(async () => {
    tap.stop();
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const form of ["unix:PATH", "unix://PATH", "PATH"]) {
    it(`reaches the coordinator at ${form}`, async () => {
      await using client = Client.connect(form.replace("PATH", path), { timeoutMs: 5000 });
      const create = client.commands.commandNew("orders").withCommand(Cover, cover);
      await create.execute();
      const book = await client.queries.query("orders", create.root).getEventBook();
      expect(book.pages).to.have.length(1);
    });
  }
});
