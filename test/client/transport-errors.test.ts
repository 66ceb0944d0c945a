/**
 * How real transport failures reach the caller. These also keep the message patterns in
 * src/errors.ts honest: each case below is what grpc-js 1.14 actually reports.
 */
import { after, before, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError, GrpcError, Status, TransportError } from "../../src/errors.js";
import { Cover, EventBook } from "../../src/gen/angzarr/types.js";
import { rejectsWith } from "./support/expect.js";
import { coverOf, FakeCoordinator } from "./support/fake-coordinator.js";
import { TcpProxy } from "./support/tcp-proxy.js";
import { ownGroup } from "../support/process-group.js";

const cover: Cover = { domain: "x", root: undefined, correlationId: "", edition: undefined };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("transport failures against real sockets", () => {
  let fake: FakeCoordinator;
  before(async () => {
    fake = await FakeCoordinator.start();
  });
  after(() => fake.stop());

  it("closed port -> ConnectionError naming the endpoint", async () => {
    const endpoint = `127.0.0.1:${await closedPort()}`;
    await using queries = QueryClient.connect(endpoint);
    const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 5000 }), ConnectionError);
    expect(err).to.not.be.instanceOf(TransportError);
    expect(err.message).to.match(new RegExp(`cannot reach ${endpoint}: No connection established.*ECONNREFUSED`));
    expect(err.message).to.not.match(/Resolution note/);
    expect(err.endpoint).to.equal(endpoint);
    expect(err.isConnectionError()).to.equal(true);
    expect(err.isRetryable()).to.equal(true);
  });

  it("unresolvable host -> ConnectionError", async () => {
    await using queries = QueryClient.connect("no-such-host.invalid:1310");
    const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 10_000 }), ConnectionError);
    expect(err.message).to.match(/Name resolution failed/);
  });

  it("missing Unix socket -> ConnectionError", async () => {
    await using queries = QueryClient.connect("/tmp/angzarr-test-missing-" + process.pid + ".sock");
    const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 5000 }), ConnectionError);
    expect(err.message).to.match(/ENOENT/);
  });

  it("TLS client against a plaintext server -> ConnectionError", async () => {
    await using queries = QueryClient.connect(fake.address, { tls: { serverName: "localhost" } });
    const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 5000 }), ConnectionError);
    expect(err.message).to.match(/SSL|TLS|ssl/);
  });

  for (const [how, breakIt] of [
    ["reset (RST)", (p: TcpProxy) => p.reset()],
    ["closed (FIN)", (p: TcpProxy) => p.end()],
  ] as const) {
    it(`connection ${how} in the middle of a call -> TransportError`, async () => {
      const proxy = await TcpProxy.start(fake.address);
      fake.intercept = () => "hang";
      await using commands = CommandHandlerClient.connect(proxy.address);
      try {
        const pending = commands.commandNew("orders").withCommand(Cover, cover).execute({ timeoutMs: 5000 });
        setTimeout(() => breakIt(proxy), 100);
        const err = await rejectsWith(pending, TransportError);
        expect(err.message).to.match(/broke: (read ECONNRESET|Connection dropped)/);
        expect(err.isConnectionError()).to.equal(true);
        expect((err.cause as { code: number }).code).to.equal(Status.UNAVAILABLE);
      } finally {
        fake.intercept = () => undefined;
        proxy.close();
      }
    });
  }

  it("server shut down in the middle of a stream -> TransportError", async () => {
    const doomed = await FakeCoordinator.start();
    const root = newRoot();
    doomed.seed(coverOf("orders", root), [{ $case: "event", value: packAny(Cover, cover) }]);
    doomed.endlessStreams = true;
    await using queries = QueryClient.connect(doomed.address);
    const err = await rejectsWith(async () => {
      for await (const _ of queries.query("orders", root).getEvents({ timeoutMs: 5000 })) doomed.stop();
    }, TransportError);
    expect(err.message).to.match(/broke: Call cancelled/);
  });

  it("server process killed in the middle of a stream -> TransportError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "angzarr-kill-"));
    const grpcUrl = pathToFileURL(createRequire(import.meta.url).resolve("@grpc/grpc-js")).href;
    const book = Buffer.from(EventBook.encode({ pages: [], nextSequence: 7 }).finish()).toString("base64");
    const script = join(dir, "server.mjs");
    writeFileSync(
      script,
      `import grpc from ${JSON.stringify(grpcUrl)};
const raw = (b) => b;
const server = new grpc.Server();
server.addService({ getEvents: { path: "/angzarr.EventQueryService/GetEvents", requestStream: false, responseStream: true,
  requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
  { getEvents: (call) => { setInterval(() => call.write(Buffer.from(${JSON.stringify(book)}, "base64")), 10); } });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => console.log(port));`,
    );
    const child = ownGroup(spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"], detached: true }));
    try {
      const port = await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())));
      await using queries = QueryClient.connect(`127.0.0.1:${port}`);
      let received = 0;
      const err = await rejectsWith(async () => {
        for await (const b of queries.query("orders", newRoot()).getEvents({ timeoutMs: 10_000 })) {
          expect(b.nextSequence).to.equal(7);
          if (++received === 2) child.kill("SIGKILL");
        }
      }, TransportError);
      expect(received).to.be.at.least(2);
      expect(err.message).to.match(/broke: (read ECONNRESET|Connection dropped)/);
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a deadline is a GrpcError, not a connection failure", async () => {
    fake.intercept = () => "hang";
    try {
      await using queries = QueryClient.connect(fake.address);
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 100 }), GrpcError);
      expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
      expect(err.isConnectionError()).to.equal(false);
    } finally {
      fake.intercept = () => undefined;
    }
  });
});
