/**
 * The container backend against real containers (podman or Docker). Runs only with
 * ANGZARR_BACKEND=container or TEST_CONTAINERS=1, after `eval "$(scripts/podman-up.sh)"`;
 * otherwise every test here is reported as skipped (never as passed).
 */
import { after, before, describe, it } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import { getContainerRuntimeClient } from "testcontainers";
import { ServingStatus } from "../../src/server/health.js";
import { startBackend, type TestBackend } from "../../src/testing/backend.js";
import { DEFAULT_COORDINATOR_IMAGE, DEFAULT_HANDLER_IMAGE, startContainerBackend } from "../../src/testing/container.js";
import { startFaultProxy } from "../../src/testing/fault-proxy.js";
import { healthStatus, orderRoundTrip } from "./support.js";

const enabled = process.env.ANGZARR_BACKEND === "container" || process.env.TEST_CONTAINERS === "1";
const skip = enabled ? false : "container tests need ANGZARR_BACKEND=container or TEST_CONTAINERS=1 (and a container runtime)";
const buildScript = fileURLToPath(new URL("../../containers/build-images.sh", import.meta.url));

/** Containers and networks testcontainers created (label org.testcontainers=true). */
async function testcontainersResources(): Promise<{
  containers: { Id: string; Image: string; Ports: { IP?: string; PublicPort?: number }[] }[];
  networks: string[];
}> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const filters = { label: ["org.testcontainers=true"] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = (await docker.listNetworks({ filters })).map((n) => n.Id);
  return { containers, networks };
}

describe("container backend", () => {
  let backend: TestBackend;
  let baseline: Awaited<ReturnType<typeof testcontainersResources>>;
  const timings: Record<string, number> = {};

  before(async () => {
    if (skip) return;
    let t0 = performance.now();
    const { stdout } = await promisify(execFile)(buildScript, { encoding: "utf8" });
    timings.build = performance.now() - t0;
    expect(stdout.trim().split("\n")).to.deep.equal([DEFAULT_COORDINATOR_IMAGE, DEFAULT_HANDLER_IMAGE]);
    baseline = await testcontainersResources();
    t0 = performance.now();
    backend = await startBackend("container");
    timings.start = performance.now() - t0;
  });

  after(() => {
    if (skip) return;
    console.log(
      `# container backend: ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
        .join(", ")}`,
    );
  });

  it("exposes the coordinator on 127.0.0.1 only, with the faults capability only", { skip }, async () => {
    expect(backend.kind).to.equal("container");
    expect(backend.endpoint).to.match(/^127\.0\.0\.1:\d+$/);
    expect([...backend.capabilities]).to.deep.equal(["faults"]);
    const { containers } = await testcontainersResources();
    const ours = containers.filter((c) => !baseline.containers.some((b) => b.Id === c.Id));
    expect(ours.map((c) => c.Image).sort()).to.deep.equal([DEFAULT_COORDINATOR_IMAGE, DEFAULT_HANDLER_IMAGE]);
    const published = ours.flatMap((c) => c.Ports).filter((p) => p.PublicPort !== undefined);
    expect(published.map((p) => p.PublicPort)).to.include(Number(backend.endpoint.split(":")[1]));
    expect(new Set(published.map((p) => p.IP))).to.deep.equal(new Set(["127.0.0.1"]));
  });

  it("answers a health check through the published port", { skip }, async () => {
    expect(await healthStatus(backend.endpoint, 5000)).to.equal(ServingStatus.SERVING);
  });

  it("sends real commands through the coordinator container to the handler container and reads them back", { skip }, async () => {
    const t0 = performance.now();
    const { events } = await orderRoundTrip(backend.endpoint);
    timings["round trip"] = performance.now() - t0;
    expect(events).to.deep.equal(["examples.orders.OrderCreated", "examples.orders.ItemAdded"]);
  });

  it("faults: a host-side fault proxy holds calls to the container until the client's deadline", { skip }, async () => {
    const proxy = await startFaultProxy(backend.endpoint);
    try {
      expect(await healthStatus(proxy.endpoint, 5000)).to.equal(ServingStatus.SERVING);
      proxy.setMode("hold");
      const error = await healthStatus(proxy.endpoint, 300).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      expect(error?.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
    } finally {
      await proxy.close();
    }
  });

  it("stops both containers and the network, leaving nothing behind", { skip }, async () => {
    const t0 = performance.now();
    await backend.stop();
    timings.stop = performance.now() - t0;
    const left = await testcontainersResources();
    expect(left.containers.map((c) => c.Id)).to.deep.equal(baseline.containers.map((c) => c.Id));
    expect(left.networks).to.deep.equal(baseline.networks);
    const error = await healthStatus(backend.endpoint, 500).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).to.equal(grpc.status.UNAVAILABLE);
  });
});

describe("container backend configuration and failures", () => {
  const altImage = "localhost/angzarr-coordinator-alt:dev";
  const saved = { image: process.env.ANGZARR_COORDINATOR_IMAGE, log: process.env.ANGZARR_COORDINATOR_READY_LOG };

  before(async () => {
    if (skip) return;
    await promisify(execFile)(buildScript);
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    await docker.getImage(DEFAULT_COORDINATOR_IMAGE).tag({ repo: "localhost/angzarr-coordinator-alt", tag: "dev" });
  });
  after(async () => {
    if (skip) return;
    for (const [name, value] of [
      ["ANGZARR_COORDINATOR_IMAGE", saved.image],
      ["ANGZARR_COORDINATOR_READY_LOG", saved.log],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await (await getContainerRuntimeClient()).container.dockerode.getImage(altImage).remove();
  });

  it("ANGZARR_COORDINATOR_IMAGE swaps the coordinator image; ANGZARR_COORDINATOR_READY_LOG sets its ready line", { skip }, async () => {
    process.env.ANGZARR_COORDINATOR_IMAGE = altImage;
    process.env.ANGZARR_COORDINATOR_READY_LOG = "angzarr-coordinator listening on 0.0.0.0:1310";
    const baseline = await testcontainersResources();
    const backend = await startContainerBackend();
    try {
      const { containers } = await testcontainersResources();
      expect(containers.filter((c) => !baseline.containers.some((b) => b.Id === c.Id)).map((c) => c.Image)).to.include(altImage);
      expect((await orderRoundTrip(backend.endpoint)).events).to.have.length(2);
    } finally {
      await backend.stop();
    }
  });

  it("a start that never becomes ready fails with the containers' log tail and leaves nothing behind", { skip }, async () => {
    const baseline = await testcontainersResources();
    const error = await startContainerBackend({ readyLog: "Server listening", startupTimeoutMs: 1500 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^container backend did not start: .*Server listening/);
    expect(error?.message).to.contain("--- coordinator log (last lines) ---\nangzarr-coordinator listening on 0.0.0.0:1310");
    const left = await testcontainersResources();
    expect(left.containers.map((c) => c.Id)).to.deep.equal(baseline.containers.map((c) => c.Id));
    expect(left.networks).to.deep.equal(baseline.networks);
  });

  it("a missing local image is named, with how to build it", { skip }, async () => {
    const error = await startContainerBackend({ handlerImage: "localhost/angzarr-no-such-image:dev" }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal("image localhost/angzarr-no-such-image:dev not found: build it with containers/build-images.sh");
  });
});
