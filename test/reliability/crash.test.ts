/**
 * Durability under crashes: the coordinator runs as a child process (the CLI, as users run it)
 * on a SQLite file and on a PostgreSQL schema, several clients drive single-event (CreateOrder,
 * AddItem) and three-event (ProcessOrder) commands through it, and it is killed with SIGKILL at
 * seeded random moments and started again on the same store. Afterwards every acknowledged
 * command has all its events, no command is half-written, nothing appears that no client sent,
 * and every aggregate's sequences run 0, 1, 2, … The orders handler stays in this process.
 * It kills and restarts until its wall-clock budget is spent (ANGZARR_RELIABILITY_BUDGET_S,
 * see support/budget.ts), and at least MIN_KILLS times.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { expect } from "chai";
import { Client, type ClientOptions } from "../../src/client/index.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import { GrpcError, Status } from "../../src/errors.js";
import type { EventBook } from "../../src/gen/angzarr/types.js";
import { freePort } from "../support/ports.js";
import { startChildCoordinator, type ChildCoordinator } from "./support/child-coordinator.js";
import { figure, n, tally } from "./support/figures.js";
import { audit, Ledger } from "./support/ledger.js";
import { AddItem, CreateOrder, newTag, ordersRouteEnv, ProcessOrder, startHandler, type CommandKind } from "./support/orders.js";
import { Prng, runSeed } from "./support/prng.js";
import { STORES } from "./support/stores.js";
import { Budget, BUDGET_S } from "./support/budget.js";

/** Proof that the part really ran: at least this many kills, each followed by acknowledged commands. */
const MIN_KILLS = 2;
const WORKERS = 6;
const ROOTS_PER_WORKER = 2;
/** A hang guard: commands and queries normally take milliseconds. */
const CALL_TIMEOUT_MS = 5_000;
/** A hang guard for "the restarted coordinator acknowledges commands again". */
const SERVING_AGAIN_MS = 20_000;
const CLIENT_OPTIONS: ClientOptions = { timeoutMs: CALL_TIMEOUT_MS };

/** One worker: its own client and aggregates, commands at the sequence it last saw. */
async function drive(client: Client, roots: string[], ledger: Ledger, rng: Prng, stopped: () => boolean, unexpected: Map<string, number>) {
  const next = new Map<string, number>();
  while (!stopped()) {
    const root = rng.pick(roots);
    let sequence = next.get(root);
    if (sequence === undefined) {
      try {
        sequence = (await client.queries.query("orders", root).getEventBook()).nextSequence;
        next.set(root, sequence);
      } catch (err) {
        note(err, unexpected);
        await sleep(20);
        continue;
      }
    }
    const kind: CommandKind = sequence === 0 ? "create" : rng.chance(0.5) ? "add" : "process";
    const tag = newTag();
    const builder = client.commands.command("orders", root).withSequence(sequence);
    if (kind === "create") builder.withCommand(CreateOrder, { customerId: tag });
    else if (kind === "add") builder.withCommand(AddItem, { sku: tag, quantity: 1 });
    else builder.withCommand(ProcessOrder, { note: tag });
    try {
      const response = await builder.execute();
      ledger.acked.set(tag, { root, kind });
      next.set(root, headerSequence(response.events!.pages.at(-1)!.header)! + 1);
    } catch (err) {
      next.delete(root);
      if (err instanceof GrpcError && err.code === Status.FAILED_PRECONDITION) {
        ledger.rejected.set(tag, { root, kind });
      } else {
        ledger.unknown.set(tag, { root, kind });
        note(err, unexpected);
        await sleep(20);
      }
    }
  }
}

/** Failures other than "the coordinator is down or went away" are unexpected. */
function note(err: unknown, unexpected: Map<string, number>): void {
  const connection =
    err instanceof GrpcError ? err.code === Status.UNAVAILABLE : (err as { isConnectionError?: () => boolean }).isConnectionError?.();
  if (connection) return;
  const key = String(err).slice(0, 120);
  unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
}

/** Resolves once `ledger` holds more acknowledged commands than `before` (the restarted coordinator serves). */
async function ackedBeyond(ledger: Ledger, before: number): Promise<void> {
  const until = Date.now() + SERVING_AGAIN_MS;
  while (ledger.acked.size <= before) {
    if (Date.now() > until) throw new Error(`no command acknowledged within ${SERVING_AGAIN_MS} ms of a restart`);
    await sleep(10);
  }
}

describe("durability: SIGKILL of the coordinator under load", () => {
  const seed = runSeed();

  for (const { name, open } of STORES) {
    it(`${name}: keeps every acknowledged command across kills and restarts for ${BUDGET_S} s`, async () => {
      const rng = new Prng(seed);
      const store = open();
      const handler = await startHandler();
      const port = await freePort();
      const env = { ...store.env, ...ordersRouteEnv(handler.address), ANGZARR__TRANSPORT__TCP__PORT: String(port) };
      let child: ChildCoordinator = await startChildCoordinator(env);
      const ledger = new Ledger();
      const unexpected = new Map<string, number>();
      const outputs: string[] = [];
      let stopping = false;
      const clients = Array.from({ length: WORKERS }, () => Client.connect(child.address, CLIENT_OPTIONS));
      const roots = clients.map(() => Array.from({ length: ROOTS_PER_WORKER }, () => newRoot()));
      const workers = clients.map((c, i) => drive(c, roots[i]!, ledger, rng.fork(), () => stopping, unexpected));
      const budget = new Budget();
      let kills = 0;
      try {
        while (!budget.spent || kills < MIN_KILLS) {
          await ackedBeyond(ledger, ledger.acked.size);
          await sleep(rng.int(100, 900));
          await child.kill();
          kills++;
          outputs.push(child.output());
          child = await startChildCoordinator(env);
        }
        await ackedBeyond(ledger, ledger.acked.size);
        stopping = true;
        await Promise.all(workers);

        // A fresh client: the workers' channels may still be backing off from the last outage.
        const reader = Client.connect(child.address, CLIENT_OPTIONS);
        const books = new Map<string, EventBook>();
        for (const root of roots.flat()) books.set(root, await reader.queries.query("orders", root).getEventBook());
        await reader.close();
        const result = audit(ledger, books);
        // Every process's output, the first start included: an error line means a start was not clean.
        const restartErrors = [...outputs, child.output()].filter((o) => / ERROR |angzarr-coordinator: /.test(o));
        figure(
          `crash(${name}, ${String(budget)}): ${kills} kills in ${budget.elapsedSeconds.toFixed(1)} s, ${n(ledger.acked.size)} acked commands, ${result.lost.length} lost, ` +
            `${result.partial.length} partial, ${result.phantom.length} phantom, ${result.gaps.length} sequence gaps; ` +
            `${n(result.events)} events on ${books.size} aggregates, ${n(ledger.unknown.size)} unknown-outcome (${n(result.unknownStored)} stored whole), ` +
            `${n(ledger.rejected.size)} refused, ${kills + 1 - restartErrors.length}/${kills + 1} clean starts, seed ${seed}`,
        );
        expect(kills, "kills").to.be.at.least(MIN_KILLS);
        expect(result.lost, "acknowledged commands without their events").to.deep.equal([]);
        expect(result.partial, "half-written commands").to.deep.equal([]);
        expect(result.phantom, "events no client sent").to.deep.equal([]);
        expect(result.gaps, "aggregates with sequence gaps").to.deep.equal([]);
        expect(restartErrors, "errors printed by a coordinator").to.deep.equal([]);
        expect(tally(unexpected), "failures other than connection loss").to.equal("");
      } finally {
        stopping = true;
        await Promise.allSettled(workers);
        await Promise.all(clients.map((c) => c.close()));
        await child.stop();
        await handler.stop(1_000);
        await store.drop();
      }
    });
  }
});
