/**
 * A set test domain for the merge_strategy.feature contract steps: the "set" aggregate records
 * ItemAdded once per member (adding a member it already holds is an idempotent no-op: the
 * handler emits no event), and the "wishlist-set" saga turns a wishlist's ItemWished into an
 * AddItem on the set (a deferred command: the coordinator numbers it at the set's next sequence).
 *
 * The components are served by serveComponents behind two coordinators of this project that
 * share one SQLite file, as two coordinator processes can share one database: a write through
 * one of them lands while the other is running a command on the same aggregate. To make that
 * race deterministic, the set's handler can hold one member's first attempt until released.
 * Started once per worker on first use.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { startCoordinator, type CoordinatorHandle } from "../../../src/coordinator/index.js";
import { CommandRouter } from "../../../src/handlers/command-router.js";
import { StateRouter } from "../../../src/handlers/state-router.js";
import { SagaHandlers, SagaRouter } from "../../../src/handlers/saga-router.js";
import { event } from "../../../src/handlers/events.js";
import { commandBook } from "../../../src/handlers/outbound.js";
import { GrpcError } from "../../../src/errors.js";
import { SagaCoordinatorServiceClient } from "../../../src/gen/angzarr/saga.js";
import { SyncMode, type EventBook } from "../../../src/gen/angzarr/types.js";
import { consoleLogger } from "../../../src/logger.js";
import { serveComponents, type ServerHandle } from "../../../src/server/index.js";
import { stringMessage, type Strings } from "./a-poker.js";

const S = "examples.sets.";
/** Command of the set: add `member`. */
export const AddItem = stringMessage(`${S}AddItem`, ["member"]);
/** Event of the set: `member` was added. */
export const ItemAdded = stringMessage(`${S}ItemAdded`, ["member"]);
/** Event of a wishlist: `member` is wanted in the set whose root is `setId`. */
export const ItemWished = stringMessage(`${S}ItemWished`, ["setId", "member"]);

/** One call of the set's AddItem handler: the set, the member and the sequence its event would get. */
export interface SetAttempt {
  root: string;
  member: string;
  nextSequence: number;
}

/** A held attempt: `entered` resolves when the handler is inside it, `release` lets it go on. */
export interface Hold {
  entered: Promise<void>;
  release(): void;
}

/** The members of a set, in the order they were added. */
export const setState = new StateRouter<{ members: string[] }>(() => ({ members: [] })).on(ItemAdded, (s, e) => {
  s.members.push(e.member!);
});

/** Every AddItem the set's handler was called with, and the holds waiting for a member. */
const attempts: SetAttempt[] = [];
const holds = new Map<string, { enter(): void; released: Promise<void> }>();

function setAggregate(): CommandRouter<{ members: string[] }> {
  return new CommandRouter("set", setState).on(AddItem, async (cmd: Strings, s, ctx) => {
    attempts.push({ root: ctx.root ?? "", member: cmd.member!, nextSequence: ctx.nextSequence });
    const hold = holds.get(cmd.member!);
    if (hold) {
      holds.delete(cmd.member!);
      hold.enter();
      await hold.released;
    }
    return s.members.includes(cmd.member!) ? [] : event(ItemAdded, { member: cmd.member! });
  });
}

/** wishlist -> set: every ItemWished adds the member to the set the event names. */
function wishlistSetSaga(): SagaRouter {
  return new SagaRouter(
    "wishlist-set",
    "wishlist",
    new SagaHandlers().on(ItemWished, (e) => ({ commands: [commandBook({ domain: "set", root: e.setId! }, event(AddItem, { member: e.member! }))] })),
  );
}

/** Holds the next AddItem of `member` inside the handler until `release` is called. */
export function holdNextAttempt(member: string): Hold {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  holds.set(member, { enter, released });
  return { entered, release };
}

/** The set handler's calls for `member` of the set `root` so far. */
export function attemptsFor(root: string, member: string): SetAttempt[] {
  return attempts.filter((a) => a.root === root && a.member === member);
}

/**
 * Delivers `source` to the saga coordinator at `endpoint` (SagaCoordinatorService.Execute), as
 * the bus would; resolves when the saga's commands have run.
 */
export async function runSaga(endpoint: string, source: EventBook): Promise<void> {
  const client = new SagaCoordinatorServiceClient(endpoint, credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) =>
      client.execute({ source, syncMode: SyncMode.SYNC_MODE_ASYNC, cascadeErrorMode: 0, destinationSequences: {} }, (err) =>
        err ? reject(GrpcError.fromServiceError(err)) : resolve(),
      ),
    );
  } finally {
    client.close();
  }
}

/** The two coordinators: `endpoint` runs the saga, `otherEndpoint` shares its store. */
export interface SetBackend {
  endpoint: string;
  otherEndpoint: string;
}

interface Running extends SetBackend {
  stop(): Promise<void>;
}

let running: Promise<Running> | undefined;

async function start(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-sets-"));
  const opened: Array<CoordinatorHandle | ServerHandle> = [];
  const stop = async () => {
    for (const handle of opened.reverse()) await handle.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const business = await serveComponents({ aggregates: [setAggregate()], sagas: [wishlistSetSaga()] }, "127.0.0.1:0", {
      logger: { ...consoleLogger, info: () => undefined },
    });
    opened.push(business);
    const shared = { host: "127.0.0.1", port: 0, logLevel: "error" as const, storage: { type: "sqlite" as const, path: join(dir, "events.db") } };
    const routes = { set: business.address };
    const main = await startCoordinator({
      ...shared,
      routes,
      sagas: [{ name: "wishlist-set", address: business.address, sourceDomain: "wishlist" }],
    });
    opened.push(main);
    const other = await startCoordinator({ ...shared, routes });
    opened.push(other);
    return { endpoint: main.address, otherEndpoint: other.address, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The set backend of this worker (started on first use, stopped by stopSetBackend). */
export function setBackend(): Promise<SetBackend> {
  running ??= start();
  return running;
}

/** Stops the set backend of this worker, if it runs. */
export async function stopSetBackend(): Promise<void> {
  const backend = running;
  running = undefined;
  if (backend) await (await backend).stop();
}
