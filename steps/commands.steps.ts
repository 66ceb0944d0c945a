/**
 * Steps of fact_flow.feature, merge_strategy.feature and sync_modes.feature: facts,
 * merge strategies and sync modes, all against the test backend.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import type { GrpcError } from "../src/errors.js";
import type { FactInjectionResponse } from "../src/gen/angzarr/command_handler.js";
import { MergeStrategy, SyncMode } from "../src/gen/angzarr/types.js";
import { codecFor, pack, sampleMessage, shortName } from "./support/messages.js";
import { StateSlot } from "./support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError, pageSequence, pageTypeName } from "./support/world.js";

/** What the fact and merge steps keep between steps. */
interface CommandsState {
  factResponse?: FactInjectionResponse;
  /** The next sequence a precondition refusal reported. */
  reportedSequence?: number;
}

const COMMANDS = new StateSlot<CommandsState>(() => ({}));

// ---- facts --------------------------------------------------------------------------------

function factResponse(world: AngzarrWorld): FactInjectionResponse {
  if (world.lastError !== undefined) throw new Error(`the injection failed: ${describeError(world.lastError)}`);
  const response = world.state(COMMANDS).factResponse;
  if (!response) throw new Error("no fact was injected");
  return response;
}

async function inject(world: AngzarrWorld, type: string, count: number, externalId: string | undefined, domain: string, name: string) {
  const root = world.useAggregate(domain, name).root;
  const codec = codecFor(type, domain);
  const client = await world.commandClient();
  world.lastError = undefined;
  try {
    const response = await client.injectFact(
      {
        domain,
        root,
        externalId: externalId === undefined ? "" : world.correlation(externalId),
        events: Array.from({ length: count }, (_, i) => ({ type: codec, message: sampleMessage(codec, `fact-${i}`) })),
      },
      { timeoutMs: CALL_TIMEOUT_MS },
    );
    world.state(COMMANDS).factResponse = response;
  } catch (err) {
    world.lastError = err;
  }
}

When(
  "I inject a {string} fact with external ID {string} into {string} root {string}",
  async function (this: AngzarrWorld, type: string, externalId: string, domain: string, name: string) {
    await inject(this, type, 1, externalId, domain, name);
  },
);

When(
  "I inject {int} {string} facts with external ID {string} into {string} root {string}",
  async function (this: AngzarrWorld, count: number, type: string, externalId: string, domain: string, name: string) {
    await inject(this, type, count, externalId, domain, name);
  },
);

When(
  "I inject a {string} fact without external ID into {string} root {string}",
  async function (this: AngzarrWorld, type: string, domain: string, name: string) {
    await inject(this, type, 1, undefined, domain, name);
  },
);

When(
  "I inject events with explicit sequences as facts into {string} root {string}",
  async function (this: AngzarrWorld, domain: string, name: string) {
    const root = this.useAggregate(domain, name).root;
    const codec = codecFor(this.seedPlan(domain, 1)[0]!.type, domain);
    const client = await this.commandClient();
    this.lastError = undefined;
    try {
      await client.injectFacts(
        {
          events: {
            cover: { domain, root: { value: Buffer.from(root.replace(/-/g, ""), "hex") }, correlationId: "" },
            pages: [
              {
                header: { sequenceType: { $case: "sequence", value: 0 } },
                payload: { $case: "event", value: pack(codec, sampleMessage(codec)) },
                noCommit: false,
              },
            ],
            nextSequence: 0,
          },
          syncMode: SyncMode.SYNC_MODE_ASYNC,
          routeToHandler: false,
        },
        { timeoutMs: CALL_TIMEOUT_MS },
      );
    } catch (err) {
      this.lastError = err;
    }
  },
);

Then("the fact is stored at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  const pages = factResponse(this).events?.pages ?? [];
  expect(pages.map(pageSequence)).to.deep.equal([sequence]);
});

Then("the facts are stored at sequences {int}, {int}, {int}", function (this: AngzarrWorld, a: number, b: number, c: number) {
  expect((factResponse(this).events?.pages ?? []).map(pageSequence)).to.deep.equal([a, b, c]);
});

Then("the fact response says it was not processed before", function (this: AngzarrWorld) {
  expect(factResponse(this).alreadyProcessed).to.equal(false);
});

Then("the fact response says it was processed before", function (this: AngzarrWorld) {
  expect(factResponse(this).alreadyProcessed).to.equal(true);
});

Then("the fact response returns the page first stored at sequence {int}", function (this: AngzarrWorld, sequence: number) {
  expect((factResponse(this).events?.pages ?? []).map(pageSequence)).to.deep.equal([sequence]);
});

Then("every stored fact carries a created_at timestamp", function (this: AngzarrWorld) {
  const pages = factResponse(this).events?.pages ?? [];
  expect(pages.length).to.be.greaterThan(0);
  for (const page of pages) expect(page.createdAt?.seconds ?? 0, "created_at").to.be.greaterThan(0);
});

Then("the aggregate {string} root {string} holds {int} events", async function (this: AngzarrWorld, domain: string, name: string, count: number) {
  const book = await this.readBook(domain, this.rootFor(domain, name));
  expect(book.pages.map(pageSequence)).to.deep.equal(Array.from({ length: count }, (_, i) => i));
});

Then("the injection should fail with invalid argument error", function (this: AngzarrWorld) {
  const err = this.requireError();
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

// ---- merge strategies -----------------------------------------------------------------------

When("I execute a command at sequence {int} with merge strategy {word}", async function (this: AngzarrWorld, sequence: number, strategy: string) {
  const mergeStrategy = MergeStrategy[`MERGE_${strategy}` as keyof typeof MergeStrategy];
  expect(mergeStrategy, `merge strategy ${strategy}`).to.be.a("number");
  const { domain, root } = this.requireCurrent();
  const head = await this.currentSequence(domain, root);
  await this.send({ ...this.commandFor(domain, { sequence: head }), root, sequence, mergeStrategy });
});

Then("the refusal reports the aggregate's next sequence as {int}", function (this: AngzarrWorld, next: number) {
  const err = this.requireError() as GrpcError;
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
  const state = err.currentState;
  expect(state, "current state in the status details").to.not.equal(undefined);
  expect(state!.nextSequence).to.equal(next);
  this.state(COMMANDS).reportedSequence = state!.nextSequence;
});

When("I retry the command at the sequence the refusal reported", async function (this: AngzarrWorld) {
  const last = this.lastCommand!;
  const sequence = this.state(COMMANDS).reportedSequence;
  if (sequence === undefined) throw new Error("no refusal reported a sequence");
  await this.send({ ...last, sequence });
});

// ---- sync modes -----------------------------------------------------------------------------

When(
  "I execute a {string} command with sync mode {word} and correlation ID {string}",
  async function (this: AngzarrWorld, type: string, mode: string, id: string) {
    const syncMode = SyncMode[`SYNC_MODE_${mode}` as keyof typeof SyncMode];
    expect(syncMode, `sync mode ${mode}`).to.be.a("number");
    const { domain, root } = this.requireCurrent();
    const sequence = await this.currentSequence(domain, root);
    await this.send({ ...this.commandFor(domain, { type, sequence }), root, syncMode, correlationId: this.correlation(id) });
  },
);

When("I execute a {string} command with sync mode number {int}", async function (this: AngzarrWorld, type: string, mode: number) {
  const { domain, root } = this.requireCurrent();
  const sequence = await this.currentSequence(domain, root);
  await this.send({ ...this.commandFor(domain, { type, sequence }), root, syncMode: mode });
});

Then("the response carries a projection of the aggregate holding a {string}", function (this: AngzarrWorld, type: string) {
  const response = this.requireResponse();
  const root = this.lastCommand!.root.replace(/-/g, "");
  const ours = response.projections.filter((p) => Buffer.from(p.cover?.root?.value ?? []).toString("hex") === root);
  expect(ours.length, "projections of the aggregate").to.be.greaterThan(0);
  const holding = ours.filter((p) => p.projection && shortName(p.projection.typeUrl) === type);
  expect(holding.length, `projection types ${ours.map((p) => p.projection?.typeUrl).join(", ")}`).to.be.greaterThan(0);
  const codec = codecFor(type);
  for (const p of holding) expect(() => codec.decode(p.projection!.value)).to.not.throw();
});

async function correlatedIn(world: AngzarrWorld, id: string, domain: string, type: string): Promise<number> {
  const books = await (await world.reader()).queryByCorrelation(world.correlation(id)).getEvents({ timeoutMs: CALL_TIMEOUT_MS }).collect();
  return books
    .filter((b) => b.cover?.domain === domain)
    .flatMap((b) => b.pages)
    .filter((p) => shortName(pageTypeName(p)) === type).length;
}

Then(
  "events correlated with {string} already exist in domain {string} with type {string}",
  async function (this: AngzarrWorld, id: string, domain: string, type: string) {
    this.requireResponse();
    expect(await correlatedIn(this, id, domain, type), `${type} events in ${domain}`).to.be.greaterThan(0);
  },
);

Then(
  "events correlated with {string} eventually exist in domain {string} with type {string}",
  async function (this: AngzarrWorld, id: string, domain: string, type: string) {
    this.requireResponse();
    const deadline = Date.now() + 5_000;
    for (;;) {
      if ((await correlatedIn(this, id, domain, type)) > 0) return;
      if (Date.now() > deadline) throw new Error(`no ${type} event correlated with ${id} appeared in ${domain} within 5 s`);
      await sleep(25);
    }
  },
);
