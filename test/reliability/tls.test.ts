/**
 * TLS: the coordinator serves TLS and mutual TLS from certificate files (configuration and the
 * CLI's environment), the SDK's business-logic servers do the same with ServerTlsOptions, and
 * SDK clients get in with the CA (and, where asked, a client certificate from it) and only so.
 * Certificates are made at run time (support/pki.ts).
 */
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ChannelCredentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { Client, type TlsOptions } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConfigError, startCoordinator, silentLogger, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { ConnectionError } from "../../src/errors.js";
import { CommandHandlerServiceClient } from "../../src/gen/angzarr/command_handler.js";
import type { ServerHandle } from "../../src/server/index.js";
import { packAny } from "../../src/core/any.js";
import { sequenceHeader } from "../../src/core/books.js";
import { uuidToProto } from "../../src/core/uuid.js";
import { startChildCoordinator } from "./support/child-coordinator.js";
import { figure } from "./support/figures.js";
import { CreateOrder, ordersRouteEnv, startHandler } from "./support/orders.js";
import { makePki, type Pki } from "../support/pki.js";

const TIMEOUT_MS = 5_000;
const results: string[] = [];

/** Sends a command and reads it back through the coordinator; resolves "ok" or the error's class. */
async function roundTrip(address: string, tls: TlsOptions | false): Promise<string> {
  const client = Client.connect(address, { timeoutMs: TIMEOUT_MS, tls });
  try {
    const root = newRoot();
    await client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "tls" }).withSequence(0).execute();
    const book = await client.queries.query("orders", root).getEventBook();
    return book.pages.length === 1 ? "ok" : `read ${book.pages.length} events`;
  } catch (err) {
    return err instanceof ConnectionError ? "ConnectionError" : String(err);
  } finally {
    await client.close();
  }
}

describe("TLS", () => {
  let pki: Pki;
  let handler: ServerHandle;
  before(async () => {
    pki = makePki();
    handler = await startHandler();
  });
  after(async () => {
    await handler?.stop(1_000);
    pki?.remove();
    figure(`tls: ${results.join("; ")}`);
  });

  const clients = () => ({
    plaintext: false as const,
    ca: { ca: pki.ca },
    caAndCert: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    otherCa: { ca: pki.rogueCa },
    rogueCert: { ca: pki.ca, cert: pki.rogueClientCert, key: pki.rogueClientKey },
  });

  async function outcomes(address: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, tls] of Object.entries(clients())) out[name] = await roundTrip(address, tls);
    return out;
  }

  it("coordinator with TLS from files: clients trusting the CA get in, plaintext and other CAs do not", async () => {
    const coordinator: CoordinatorHandle = await startCoordinator({
      port: 0,
      storage: { type: "memory" },
      routes: { orders: handler.address },
      logger: silentLogger,
      tls: { certFile: pki.files.serverCert, keyFile: pki.files.serverKey },
    });
    try {
      const got = await outcomes(coordinator.address);
      expect(got).to.deep.equal({ plaintext: "ConnectionError", ca: "ok", caAndCert: "ok", otherCa: "ConnectionError", rogueCert: "ok" });
      results.push("coordinator TLS: CA-trusting clients in, plaintext and foreign-CA clients refused");
    } finally {
      await coordinator.stop(1_000);
    }
  });

  it("coordinator with mutual TLS (CLI environment): only clients with a certificate from the CA get in", async () => {
    const child = await startChildCoordinator({
      ...ordersRouteEnv(handler.address),
      ANGZARR__STORAGE__TYPE: "memory",
      ANGZARR__TRANSPORT__TCP__PORT: "0",
      ANGZARR_TLS_CERT_FILE: pki.files.serverCert,
      ANGZARR_TLS_KEY_FILE: pki.files.serverKey,
      ANGZARR_TLS_CA_FILE: pki.files.ca,
      ANGZARR_TLS_REQUIRE_CLIENT_CERT: "true",
    });
    try {
      const got = await outcomes(child.address);
      expect(got).to.deep.equal({
        plaintext: "ConnectionError",
        ca: "ConnectionError",
        caAndCert: "ok",
        otherCa: "ConnectionError",
        rogueCert: "ConnectionError",
      });
      results.push("coordinator mTLS via ANGZARR_TLS_*: only clients with a CA-signed certificate in");
    } finally {
      await child.stop();
    }
  });

  it("refuses unusable TLS settings at start-up, naming the setting", async () => {
    const attempts = [
      { certFile: pki.files.serverCert },
      { certFile: `${pki.dir}/missing.crt`, keyFile: pki.files.serverKey },
      { certFile: pki.files.serverCert, keyFile: pki.files.serverKey, requireClientCert: true },
      { cert: pki.serverCert, certFile: pki.files.serverCert, keyFile: pki.files.serverKey },
    ];
    const messages: string[] = [];
    for (const tls of attempts) {
      const err = await startCoordinator({ port: 0, storage: { type: "memory" }, logger: silentLogger, tls }).then(
        async (c) => (await c.stop(0), undefined),
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(tls)).to.be.instanceOf(ConfigError);
      messages.push((err as Error).message);
    }
    expect(messages.map((m) => m.split(":")[0])).to.deep.equal(["tls.key", "tls.certFile", "tls.requireClientCert", "tls.cert"]);
    results.push(`${attempts.length} unusable TLS settings refused at start-up`);
  });

  it("SDK business server with mutual TLS: only callers with a certificate from the CA get in", async () => {
    const server = await startHandler({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true } });
    const call = async (creds: ChannelCredentials): Promise<string> => {
      const client = new CommandHandlerServiceClient(server.address, creds);
      const root = uuidToProto(newRoot());
      try {
        return await new Promise<string>((resolve) =>
          client.handle(
            {
              events: { cover: { domain: "orders", root, correlationId: "" }, pages: [], nextSequence: 0 },
              command: {
                cover: { domain: "orders", root, correlationId: "" },
                pages: [
                  { header: sequenceHeader(0), mergeStrategy: 0, payload: { $case: "command", value: packAny(CreateOrder, { customerId: "tls" }) } },
                ],
              },
            },
            new Metadata(),
            { deadline: Date.now() + TIMEOUT_MS },
            (err, response) => resolve(err ? `code ${err.code}` : `ok ${response.result?.$case}`),
          ),
        );
      } finally {
        client.close();
      }
    };
    try {
      const got = {
        plaintext: await call(credentials.createInsecure()),
        ca: await call(credentials.createSsl(pki.ca)),
        caAndCert: await call(credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert)),
        rogueCert: await call(credentials.createSsl(pki.ca, pki.rogueClientKey, pki.rogueClientCert)),
      };
      expect(got).to.deep.equal({ plaintext: "code 14", ca: "code 14", caAndCert: "ok events", rogueCert: "code 14" });
      results.push("business server mTLS (ServerTlsOptions): only CA-signed client certificates in");
    } finally {
      await server.stop(1_000);
    }
  });
});
