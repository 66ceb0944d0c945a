/**
 * How real transport failures reach the caller. These also keep the message patterns in
 * src/errors.ts honest: each case below is what grpc-js 1.14 actually reports.
 */
import { after, before, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { CommandHandlerClient, QueryClient } from "../../src/client/index.js";
import { packAny } from "../../src/core/any.js";
import { newRoot } from "../../src/core/uuid.js";
import { ConnectionError, GrpcError, Status, TransportError } from "../../src/errors.js";
import { Cover, EventBook } from "../../src/gen/angzarr/types.js";
import { closedPortEndpoint, startFaultProxy, type FaultProxy } from "../../src/testing/fault-proxy.js";
import { rejectsWith } from "../support/assertions.js";
import { ownGroup } from "../support/process-group.js";
import { coverOf, startTestCoordinator, type TestCoordinator } from "./support/coordinator.js";
import { CoordinatorTap } from "./support/coordinator-tap.js";

const cover: Cover = { domain: "x", root: undefined, correlationId: "", edition: undefined };

describe("transport failures against real sockets", () => {
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

  it("closed port -> ConnectionError naming the endpoint", async () => {
    const endpoint = await closedPortEndpoint();
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
    await using queries = QueryClient.connect(coordinator.address, { tls: { serverName: "localhost" } });
    const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 5000 }), ConnectionError);
    expect(err.message).to.match(/SSL|TLS|ssl/);
  });

  // The fault proxy holds the call's request, so the call is in flight when the connection breaks:
  // a reset answers the held request frame with a TCP RST, closing the proxy ends it with a FIN.
  for (const [how, breakIt] of [
    ["reset (RST)", (p: FaultProxy) => p.setMode("reset")],
    ["closed (FIN)", (p: FaultProxy) => void p.close()],
  ] as const) {
    it(`connection ${how} in the middle of a call -> TransportError`, async () => {
      await using proxy = await startFaultProxy(coordinator.address);
      await using commands = CommandHandlerClient.connect(proxy.endpoint);
      await commands.commandNew("orders").withCommand(Cover, cover).execute({ timeoutMs: 5000 });
      proxy.setMode("hold");
      const pending = commands.commandNew("orders").withCommand(Cover, cover).execute({ timeoutMs: 5000 });
      setTimeout(() => breakIt(proxy), 100);
      const err = await rejectsWith(pending, TransportError);
      expect(err.message).to.match(/broke: (read ECONNRESET|Connection dropped)/);
      expect(err.isConnectionError()).to.equal(true);
      expect((err.cause as { code: number }).code).to.equal(Status.UNAVAILABLE);
    });
  }

  it("server shut down in the middle of a stream -> TransportError", async () => {
    const doomed = await CoordinatorTap.start(coordinator.address);
    const root = newRoot();
    await coordinator.seed(coverOf("orders", root), [{ $case: "event", value: packAny(Cover, cover) }]);
    doomed.repeatStreams = true;
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
    tap.intercept = () => "hang";
    try {
      await using queries = QueryClient.connect(tap.address);
      const err = await rejectsWith(queries.query("orders", newRoot()).getEventBook({ timeoutMs: 100 }), GrpcError);
      expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
      expect(err.isConnectionError()).to.equal(false);
    } finally {
      tap.intercept = () => undefined;
    }
  });
});
