/**
 * The container backend: Testcontainers starts the orders handler image and a coordinator
 * image on one container network; the coordinator is configured exactly like Angzarr's
 * aggregate sidecar (COORDINATOR.md §16.3) and reaches the handler by its network alias.
 *
 * Default images are built from this checkout by `containers/build-images.sh`.
 * `ANGZARR_COORDINATOR_IMAGE=ghcr.io/angzarr-io/angzarr-aggregate:0.5.1` runs the same
 * scenarios against the real coordinator (where a registry is reachable); nothing else changes
 * but the ready log line (`ANGZARR_COORDINATOR_READY_LOG`).
 *
 * With podman: `eval "$(scripts/podman-up.sh)"` first (DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED,
 * TESTCONTAINERS_HOST_OVERRIDE). Published ports listen on 127.0.0.1 only.
 */
import { GenericContainer, getContainerRuntimeClient, ImageName, Network, Wait, type StartedNetwork } from "testcontainers";
import { capabilitiesOf, type TestBackend } from "./backend.js";

/** The coordinator image containers/build-images.sh builds. */
export const DEFAULT_COORDINATOR_IMAGE = "localhost/angzarr-coordinator:dev";
/** The orders handler image containers/build-images.sh builds. */
export const DEFAULT_HANDLER_IMAGE = "localhost/angzarr-orders-handler:dev";

/** Network alias and port of the handler inside the container network. */
const HANDLER_ALIAS = "orders-handler";
const HANDLER_PORT = 50052;
/** The Helm/docs convention for the aggregate sidecar's listener (COORDINATOR.md §15.4). */
const COORDINATOR_PORT = 1310;
/** SIGTERM, then SIGKILL after this long. */
const STOP_TIMEOUT_MS = 5_000;
/** Log lines kept per container for start-up error messages. */
const LOG_TAIL_LINES = 30;

/** Options of the container backend. */
export interface ContainerOptions {
  /** @default process.env.ANGZARR_COORDINATOR_IMAGE ?? `localhost/angzarr-coordinator:dev` */
  coordinatorImage?: string;
  /** @default process.env.ANGZARR_HANDLER_IMAGE ?? `localhost/angzarr-orders-handler:dev` */
  handlerImage?: string;
  /**
   * Log text that means the coordinator is ready. @default
   * process.env.ANGZARR_COORDINATOR_READY_LOG, else `listening on` for the default image and
   * `Server listening` (the real coordinator's line) for any other.
   */
  readyLog?: string;
  /** Per container, from create to ready log line. @default 60000 (the real coordinator retries its handler connection for up to ~53 s) */
  startupTimeoutMs?: number;
}

/**
 * A container whose published ports listen on 127.0.0.1 only (testcontainers binds them on
 * every interface), that keeps its log tail for error messages, and that can be removed when
 * its start fails half-way (testcontainers leaves such containers running).
 */
class LoopbackContainer extends GenericContainer {
  readonly logTail: string[] = [];
  private createdId: string | undefined;

  constructor(image: string) {
    super(image);
    this.withLogConsumer((stream) =>
      stream.on("data", (chunk: Buffer | string) => {
        this.logTail.push(
          ...String(chunk)
            .split("\n")
            .filter((l) => l.length > 0),
        );
        this.logTail.splice(0, Math.max(0, this.logTail.length - LOG_TAIL_LINES));
      }),
    );
  }

  /**
   * Binds every port to 127.0.0.1. Ports the image EXPOSEs are published too (on loopback,
   * unused): podman lists them in the container's port bindings even when they are not
   * published, and testcontainers would wait for them to be bound until it times out.
   */
  protected override async beforeContainerCreated(): Promise<void> {
    const client = await getContainerRuntimeClient();
    const exposed = (await client.image.inspect(this.imageName)).Config?.ExposedPorts ?? {};
    const bindings = (this.hostConfig.PortBindings ??= {}) as Record<string, { HostIp?: string; HostPort?: string }[]>;
    for (const port of Object.keys(exposed)) bindings[port] ??= [{ HostPort: "0" }];
    for (const list of Object.values(bindings)) for (const binding of list) binding.HostIp = "127.0.0.1";
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.createdId = containerId;
  }

  /** Force-removes the container if it was created; for cleaning up after a failed start. */
  async removeCreated(): Promise<void> {
    if (this.createdId === undefined) return;
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    await docker
      .getContainer(this.createdId)
      .remove({ force: true, v: true })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  }
}

/**
 * Starts the handler container (alias `orders-handler`, port 50052) and then the coordinator
 * container pointed at it, waits for both ready log lines, and returns the coordinator's
 * published port as the endpoint. Capabilities: `faults` only (a sidecar has no discovery).
 * On failure everything started is removed and the error carries the containers' last log lines.
 */
export async function startContainerBackend(options: ContainerOptions = {}): Promise<TestBackend> {
  const coordinatorImage = options.coordinatorImage ?? process.env.ANGZARR_COORDINATOR_IMAGE ?? DEFAULT_COORDINATOR_IMAGE;
  const handlerImage = options.handlerImage ?? process.env.ANGZARR_HANDLER_IMAGE ?? DEFAULT_HANDLER_IMAGE;
  const readyLog =
    options.readyLog ??
    process.env.ANGZARR_COORDINATOR_READY_LOG ??
    (coordinatorImage === DEFAULT_COORDINATOR_IMAGE ? "listening on" : "Server listening");
  const timeoutMs = options.startupTimeoutMs ?? 60_000;
  await requireLocalImages([coordinatorImage, handlerImage]);

  const handlerDef = new LoopbackContainer(handlerImage)
    .withEnvironment({ HOST: "0.0.0.0", PORT: String(HANDLER_PORT) })
    .withWaitStrategy(Wait.forLogMessage("orders handler listening on"))
    .withStartupTimeout(timeoutMs);
  const coordinatorDef = new LoopbackContainer(coordinatorImage)
    .withEnvironment({
      ANGZARR__TARGET__DOMAIN: "orders",
      ANGZARR__TARGET__ADDRESS: `${HANDLER_ALIAS}:${HANDLER_PORT}`,
      ANGZARR__STORAGE__TYPE: "sqlite",
      ANGZARR__TRANSPORT__TCP__HOST: "0.0.0.0",
      ANGZARR__TRANSPORT__TCP__PORT: String(COORDINATOR_PORT),
      ANGZARR_DISCOVERY: "static",
      ANGZARR_LOG: "info",
    })
    .withExposedPorts(COORDINATOR_PORT)
    .withWaitStrategy(Wait.forLogMessage(readyLog))
    .withStartupTimeout(timeoutMs);

  let network: StartedNetwork | undefined;
  try {
    network = await new Network().start();
    const handler = await handlerDef.withNetwork(network).withNetworkAliases(HANDLER_ALIAS).start();
    const coordinator = await coordinatorDef.withNetwork(network).start();
    const started = network;
    const stopAll = async () => {
      // Coordinator first (it holds a connection to the handler); every step runs even if one fails.
      const results = [
        await coordinator.stop({ timeout: STOP_TIMEOUT_MS }).then(
          () => undefined,
          (e: unknown) => e,
        ),
        await handler.stop({ timeout: STOP_TIMEOUT_MS }).then(
          () => undefined,
          (e: unknown) => e,
        ),
        await started.stop().then(
          () => undefined,
          (e: unknown) => e,
        ),
      ].filter((e) => e !== undefined);
      if (results.length > 0) throw new AggregateError(results, "container backend did not stop cleanly");
    };
    let stopping: Promise<void> | undefined;
    return {
      kind: "container",
      endpoint: `${coordinator.getHost()}:${coordinator.getMappedPort(COORDINATOR_PORT)}`,
      capabilities: capabilitiesOf("container"),
      stop: () => (stopping ??= stopAll()),
      [Symbol.asyncDispose]: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await Promise.allSettled([coordinatorDef.removeCreated(), handlerDef.removeCreated()]);
    await network?.stop().catch(() => undefined);
    const logs = (
      [
        ["handler", handlerDef],
        ["coordinator", coordinatorDef],
      ] as const
    )
      .filter(([, container]) => container.logTail.length > 0)
      .map(([name, container]) => `\n--- ${name} log (last lines) ---\n${container.logTail.join("\n")}`)
      .join("");
    throw new Error(`container backend did not start: ${(err as Error).message}${logs}`, { cause: err });
  }
}

/** Gives a clear error for a missing `localhost/` image instead of a failed pull. */
async function requireLocalImages(images: readonly string[]): Promise<void> {
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    throw new Error(`no container runtime (${(err as Error).message}); with podman run: eval "$(scripts/podman-up.sh)"`, { cause: err });
  }
  for (const image of images.filter((i) => i.startsWith("localhost/"))) {
    if (!(await client.image.exists(ImageName.fromString(image)))) {
      throw new Error(`image ${image} not found: build it with containers/build-images.sh`);
    }
  }
}
