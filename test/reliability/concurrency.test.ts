/**
 * Concurrency: 16 writers send AddItem commands to 8 shared orders for a wall-clock budget
 * (ANGZARR_RELIABILITY_BUDGET_S, see support/budget.ts), every command at the sequence its
 * writer last saw, recovering from sequence mismatches with the SDK's refresh-and-retry (the
 * aggregate's current state from the mismatch details, else a query). Afterwards every
 * acknowledged command is stored exactly once, each order's sequences run 0, 1, 2, … and each
 * order holds exactly the items sent to it. On SQLite and on PostgreSQL, with the coordinator
 * as a child process. ANGZARR_CONCURRENCY_WRITERS sets the number of writers (default 16).
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { Client } from "../../src/client/index.js";
import { executeWithRefresh } from "../../src/client/refresh.js";
import { headerSequence } from "../../src/core/books.js";
import { newRoot } from "../../src/core/uuid.js";
import type { EventBook } from "../../src/gen/angzarr/types.js";
import { startChildCoordinator } from "./support/child-coordinator.js";
import { figure, n } from "./support/figures.js";
import { AddItem, contiguousFromZero, CreateOrder, eventTag, ordersRouteEnv, sequencesOf, startHandler } from "./support/orders.js";
import { Prng, runSeed } from "./support/prng.js";
import { STORES } from "./support/stores.js";
import { Budget, BUDGET_S } from "./support/budget.js";

const WRITERS = Number(process.env.ANGZARR_CONCURRENCY_WRITERS ?? 16);
const AGGREGATES = 8;
/** Proof that the part really ran: every writer had at least this many commands acknowledged. */
const FLOOR_PER_WRITER = 5;
/** Enough for any realistic interleaving of 16 writers on 8 aggregates; the figure shows the most used. */
const MAX_ATTEMPTS = 100;
const CALL_TIMEOUT_MS = 10_000;

interface WriterResult {
  /** Tag → aggregate index of every acknowledged command. */
  sent: Map<string, number>;
  attempts: number;
  mostAttempts: number;
}

/** One writer: its own client; each command goes to a random order at the writer's last-known sequence. */
async function writer(address: string, id: number, roots: string[], rng: Prng, budget: Budget): Promise<WriterResult> {
  const client = Client.connect(address, { timeoutMs: CALL_TIMEOUT_MS });
  const known = roots.map(() => 1); // after the CreateOrder at 0
  const result: WriterResult = { sent: new Map(), attempts: 0, mostAttempts: 0 };
  try {
    for (let i = 0; !budget.spent || i < FLOOR_PER_WRITER; i++) {
      const target = rng.int(0, roots.length - 1);
      const tag = `w${id}-c${i}`;
      const request = client.commands
        .command("orders", roots[target]!)
        .withCommand(AddItem, { sku: tag, quantity: 1 })
        .withSequence(known[target]!)
        .build();
      let attempts = 0;
      const response = await executeWithRefresh(
        request,
        { maxAttempts: MAX_ATTEMPTS },
        (r, o) => {
          attempts++;
          return client.commands.handleCommand(r, o);
        },
        async (cover, o) => (await client.queries.getEventBook({ cover, selection: undefined }, o)).nextSequence,
      );
      known[target] = headerSequence(response.events!.pages.at(-1)!.header)! + 1;
      result.sent.set(tag, target);
      result.attempts += attempts;
      result.mostAttempts = Math.max(result.mostAttempts, attempts);
    }
    return result;
  } finally {
    await client.close();
  }
}

describe("concurrency: writers racing on shared aggregates", () => {
  const seed = runSeed();

  for (const { name, open } of STORES) {
    it(`${name}: ${WRITERS} writers over ${AGGREGATES} aggregates for ${BUDGET_S} s lose and duplicate nothing`, async () => {
      const rng = new Prng(seed);
      const store = open();
      const handler = await startHandler();
      const child = await startChildCoordinator({ ...store.env, ...ordersRouteEnv(handler.address), ANGZARR__TRANSPORT__TCP__PORT: "0" });
      const client = Client.connect(child.address, { timeoutMs: CALL_TIMEOUT_MS });
      try {
        const roots = Array.from({ length: AGGREGATES }, () => newRoot());
        for (const root of roots)
          await client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute();

        const budget = new Budget();
        const results = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(child.address, w, roots, rng.fork(), budget)));
        const seconds = budget.elapsedSeconds;

        const books: EventBook[] = [];
        for (const root of roots) books.push(await client.queries.query("orders", root).getEventBook());
        const expected = roots.map(() => 0);
        const sent = new Map<string, number>();
        for (const r of results) {
          for (const [tag, target] of r.sent) {
            sent.set(tag, target);
            expected[target]!++;
          }
        }
        const stored = new Map<string, number>();
        const gaps: number[] = [];
        books.forEach((book, i) => {
          if (!contiguousFromZero(sequencesOf(book))) gaps.push(i);
          for (const page of book.pages.slice(1)) stored.set(eventTag(page).tag, (stored.get(eventTag(page).tag) ?? 0) + 1);
        });
        const lost = [...sent.keys()].filter((tag) => !stored.has(tag));
        const duplicated = [...stored].filter(([, count]) => count > 1).map(([tag]) => tag);
        const misplaced = books.filter((book, i) => book.pages.length - 1 !== expected[i]).length;
        const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
        const total = results.reduce((sum, r) => sum + r.sent.size, 0);

        figure(
          `concurrency(${name}, ${String(budget)}): ${WRITERS} writers over ${AGGREGATES} aggregates, ` +
            `${n(total)} commands in ${seconds.toFixed(1)} s (${n(Math.round(total / seconds))} commands/s), ` +
            `${n(attempts - total)} retries after sequence mismatch (at most ${Math.max(...results.map((r) => r.mostAttempts)) - 1} for one command), ` +
            `${lost.length} lost, ${duplicated.length} duplicated, ${gaps.length} sequence gaps, ${misplaced} wrong counts, seed ${seed}`,
        );
        expect(sent.size).to.equal(total);
        expect(Math.min(...results.map((r) => r.sent.size)), "commands acknowledged to the slowest writer").to.be.at.least(FLOOR_PER_WRITER);
        expect(lost, "acknowledged commands missing").to.deep.equal([]);
        expect(duplicated, "commands stored twice").to.deep.equal([]);
        expect(gaps, "aggregates with sequence gaps").to.deep.equal([]);
        expect(
          books.map((b) => b.pages.length - 1),
          "items per aggregate",
        ).to.deep.equal(expected);
      } finally {
        await client.close();
        await child.stop();
        await handler.stop(1_000);
        await store.drop();
      }
    });
  }
});
