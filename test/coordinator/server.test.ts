/** The listener: health, authentication, shutdown, persistence across restarts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { HealthCheckRequest, HealthCheckResponse, HealthService, ServingStatus } from "../../src/server/health.js";
import { startCoordinator, silentLogger } from "../../src/coordinator/index.js";
import {
  command,
  connect,
  type CallError,
  newRoot,
  query,
  seqOf,
  startBusiness,
  startHarness,
  Status,
  type Business,
  type Harness,
} from "./helpers.js";
import { rejectionOf } from "../support/assertions.js";

function healthCheck(address: string, service: string): Promise<ServingStatus> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise<ServingStatus>((resolve, reject) =>
    client.makeUnaryRequest(
      HealthService.check.path,
      (m: HealthCheckRequest) => Buffer.from(HealthCheckRequest.encode(m).finish()),
      HealthCheckResponse.decode,
      { service },
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null, res?: HealthCheckResponse) => (err ? reject(err) : resolve(res!.status)),
    ),
  ).finally(() => client.close());
}

describe("health", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ auth: { tokens: ["secret"] } });
  });
  after(() => h.close());

  it('reports SERVING for "" (even with authentication on) and NOT_FOUND for other names', async () => {
    expect(await healthCheck(h.coordinator.address, "")).to.equal(ServingStatus.SERVING);
    const err = await rejectionOf<CallError>(healthCheck(h.coordinator.address, "angzarr.CommandHandlerCoordinatorService"));
    expect(err.code).to.equal(Status.NOT_FOUND);
  });

  it("streams the status to watchers and NOT_SERVING at shutdown", async () => {
    const coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, logger: silentLogger });
    const client = new Client(coordinator.address, credentials.createInsecure());
    const call = client.makeServerStreamRequest(
      HealthService.watch.path,
      (m: HealthCheckRequest) => Buffer.from(HealthCheckRequest.encode(m).finish()),
      HealthCheckResponse.decode,
      { service: "" },
      new Metadata(),
      {},
    );
    const seen: ServingStatus[] = [];
    const ended = new Promise<void>((resolve) => {
      call.on("data", ({ status }: HealthCheckResponse) => {
        seen.push(status);
        if (status === ServingStatus.SERVING) void coordinator.stop(1000);
      });
      call.on("end", resolve);
      call.on("error", () => resolve());
    });
    await ended;
    client.close();
    expect(seen).to.deep.equal([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it("round-trips the hand-written health messages", () => {
    const bytes = (b: Uint8Array) => Buffer.from(b);
    expect(HealthCheckResponse.decode(Buffer.from([0x08, 0x01])).status).to.equal(ServingStatus.SERVING);
    expect(HealthCheckResponse.decode(Buffer.alloc(0)).status).to.equal(ServingStatus.UNKNOWN);
    expect(bytes(HealthCheckRequest.encode({ service: "abc" }).finish())).to.deep.equal(Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]));
    expect(bytes(HealthCheckRequest.encode({ service: "" }).finish())).to.deep.equal(Buffer.alloc(0));
    expect(HealthCheckRequest.decode(HealthCheckRequest.encode({ service: "x" }).finish()).service).to.equal("x");
    expect(bytes(HealthCheckResponse.encode({ status: ServingStatus.NOT_SERVING }).finish())).to.deep.equal(Buffer.from([0x08, 0x02]));
  });
});

describe("authentication", () => {
  let business: Business;
  let h: Harness;
  before(async () => {
    business = await startBusiness();
    h = await startHarness({ routes: { orders: business.address }, auth: { tokens: ["alpha", "beta-token"] } });
  });
  after(async () => {
    await h.close();
    await business.stop();
  });

  const bearer = (token: string) => {
    const md = new Metadata();
    md.set("authorization", `Bearer ${token}`);
    return md;
  };

  it("UNAUTHENTICATED without a bearer token", async () => {
    const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add")));
    expect([err.code, err.details]).to.deep.equal([Status.UNAUTHENTICATED, "missing bearer token"]);
    const md = new Metadata();
    md.set("authorization", "Basic YWxwaGE=");
    const basic = await rejectionOf<CallError>(h.book(query("orders", newRoot()), md));
    expect(basic.code).to.equal(Status.UNAUTHENTICATED);
    const stream = await rejectionOf<CallError>(h.events(query("orders", newRoot())));
    expect(stream.code).to.equal(Status.UNAUTHENTICATED);
    const sync = await rejectionOf<CallError>(h.synchronize([query("orders", newRoot())]));
    expect(sync.code).to.equal(Status.UNAUTHENTICATED);
  });

  it("PERMISSION_DENIED for a wrong token, without echoing it", async () => {
    const err = await rejectionOf<CallError>(h.handle(command("orders", newRoot(), "Add"), bearer("alphax")));
    expect([err.code, err.details]).to.deep.equal([Status.PERMISSION_DENIED, "permission denied"]);
    expect(JSON.stringify(err.metadata.toJSON())).to.not.contain("alphax");
  });

  it("accepts any configured token", async () => {
    const root = newRoot();
    await h.handle(command("orders", root, "Add"), bearer("beta-token"));
    expect((await h.book(query("orders", root), bearer("alpha"))).pages).to.have.length(1);
  });
});

describe("lifecycle", () => {
  it("keeps a SQLite file's data after stop and restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "angzarr-coord-"));
    const business = await startBusiness();
    try {
      const config = { port: 0, storage: { type: "sqlite" as const, path: join(dir, "events.db") }, routes: { orders: business.address } };
      const root = newRoot();
      const first = await startHarness(config);
      await first.handle(command("orders", root, "AddMany", { payload: "3" }));
      await first.close();
      const second = await startHarness(config);
      try {
        expect((await second.book(query("orders", root))).pages.map(seqOf)).to.deep.equal([0, 1, 2]);
        const err = await rejectionOf<CallError>(second.handle(command("orders", root, "Add", { sequence: 0 })));
        expect(err.details).to.equal("Sequence mismatch: command expects 0, aggregate at 3");
      } finally {
        await second.close();
      }
    } finally {
      await business.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drains an in-flight command before closing the store", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const business = await startBusiness({
      async handle(cmd) {
        await gate;
        return {
          result: {
            $case: "events",
            value: {
              cover: cmd.events!.cover,
              pages: [{ header: { sequenceType: { $case: "sequence", value: 0 } }, noCommit: false }],
              nextSequence: 0,
            },
          },
        };
      },
    });
    const coordinator = await startCoordinator({ port: 0, storage: { type: "memory" }, routes: { orders: business.address }, logger: silentLogger });
    const h = connect(coordinator);
    try {
      const root = newRoot();
      const pending = h.handle(command("orders", root, "Add"));
      await new Promise((r) => setTimeout(r, 100));
      const stopped = coordinator.stop(5000);
      setTimeout(release, 100);
      const res = await pending;
      expect(res.events!.pages).to.have.length(1);
      await stopped;
      const refused = await rejectionOf<CallError>(h.handle(command("orders", root, "Add")));
      expect(refused.code).to.equal(Status.UNAVAILABLE);
    } finally {
      h.commands.close();
      h.queries.close();
      await business.stop();
    }
  });

  it("fails to start on a port already in use and closes its store", async () => {
    const first = await startCoordinator({ port: 0, storage: { type: "memory" }, logger: silentLogger });
    try {
      const err = (await rejectionOf<CallError>(startCoordinator({ port: first.port, storage: { type: "memory" }, logger: silentLogger }))) as Error;
      expect(err.message).to.match(new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${first.port}: `));
    } finally {
      await first.stop();
    }
  });
});
