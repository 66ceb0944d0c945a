/**
 * Steps of the shared fact_flow.feature phrasings (engineer A's share). The poker vocabulary
 * (players, tables, hands) runs on a small poker test domain served behind this project's
 * coordinator (support/a-poker.ts): a second embedded backend with the player, table and hand
 * aggregates and the hand-player / player-table sagas, so facts are emitted by real SDK sagas,
 * injected by the coordinator and stored in real event streams. "Alice", "Charlie", "T1" are
 * names: each becomes a per-scenario root (AngzarrWorld.rootFor).
 */
import { AfterAll, Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { credentials } from "@grpc/grpc-js";
import * as sdk from "../../src/index.js";
import { coverRoot, makeCover, makeEventBook, makeEventPage, packAny, typeNameFromUrl } from "../../src/core/index.js";
import { GrpcError } from "../../src/errors.js";
import { CascadeErrorMode, SyncMode, type EventBook, type EventPage } from "../../src/gen/angzarr/types.js";
import { SagaCoordinatorServiceClient, type SagaHandleRequest, type SagaResponse } from "../../src/gen/angzarr/saga.js";
import type { FactInjectionResponse } from "../../src/gen/angzarr/command_handler.js";
import { DepositFunds, PlayerRegistered, RegisterPlayer } from "../../examples/gen/examples/player.js";
import type { MessageType } from "../../src/core/message.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError } from "../support/world.js";
import {
  ActionRequested,
  handPlayerSaga,
  NotifyRequested,
  PassTurn,
  PlayerSatIn,
  PlayerSatOut,
  playerState,
  pokerBackend,
  SeatPlayer,
  SitIn,
  SitOut,
  StartHand,
  stopPokerBackend,
  tableState,
  TurnChanged,
  type Strings,
} from "./support/a-poker.js";

AfterAll({ timeout: 60_000 }, async function () {
  await stopPokerBackend();
});

interface Poker {
  commands: sdk.CommandHandlerClient;
  queries: sdk.QueryClient;
  endpoint: string;
}

/** A named aggregate of the scenario. */
interface Named {
  name: string;
  root: string;
}

/** What the fact flow steps set up and saw (a failed saga call or injection goes to lastError). */
interface FactFlowState {
  /** Clients of the poker backend, connected on first use. */
  poker?: Poker;
  /** The player under test and its next sequence before the When. */
  player?: Named & { before: number };
  /** Root of the hand in progress. */
  hand?: string;
  factResponse?: FactInjectionResponse;
  table?: Named;
  /** The table's next sequence before Charlie's event. */
  tableBefore?: number;
  /** The in-process saga, when the scenario uses one. */
  saga?: ReturnType<typeof handPlayerSaga>;
  /** The domain the coordinator's saga sends its fact to, when the scenario goes through it. */
  factDomain?: string;
  sagaResponse?: SagaResponse;
  externalId?: string;
  /** Both answers to the same fact injected twice (the second is undefined when it failed). */
  injections?: [FactInjectionResponse, FactInjectionResponse | undefined];
}

const FACT_FLOW = new StateSlot<FactFlowState>(() => ({}));

async function poker(world: AngzarrWorld): Promise<Poker> {
  const s = world.state(FACT_FLOW);
  if (!s.poker) {
    const backend = await pokerBackend();
    s.poker = {
      endpoint: backend.endpoint,
      commands: world.track(sdk.CommandHandlerClient.connect(backend.endpoint)),
      queries: world.track(sdk.QueryClient.connect(backend.endpoint)),
    };
  }
  return s.poker;
}

function playerUnderTest(world: AngzarrWorld): Named & { before: number } {
  const p = world.state(FACT_FLOW).player;
  if (!p) throw new Error("no player was set up by an earlier step");
  return p;
}

function tableUnderTest(world: AngzarrWorld): Named {
  const t = world.state(FACT_FLOW).table;
  if (!t) throw new Error("no table was set up by an earlier step");
  return t;
}

function inProcessSaga(world: AngzarrWorld): ReturnType<typeof handPlayerSaga> {
  const saga = world.state(FACT_FLOW).saga;
  if (!saga) throw new Error("no saga was set up by an earlier step");
  return saga;
}

/** What the coordinator sends a saga: the source book (the saga needs no destination sequences). */
function sagaRequest(source: EventBook, syncMode = SyncMode.SYNC_MODE_ASYNC): SagaHandleRequest {
  return { source, syncMode, cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST, destinationSequences: {} };
}

async function book(world: AngzarrWorld, domain: string, root: string): Promise<EventBook> {
  return (await poker(world)).queries.query(domain, root).getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
}

async function nextSeq(world: AngzarrWorld, domain: string, root: string): Promise<number> {
  return sdk.nextSequence(await book(world, domain, root));
}

/** Sends a command at the aggregate's next sequence; CASCADE so the sagas have run on return. */
async function send<T>(world: AngzarrWorld, domain: string, root: string, type: MessageType<T>, message: T) {
  const p = await poker(world);
  return p.commands
    .command(domain, root)
    .withCommand(type, message)
    .withSequence(await nextSeq(world, domain, root))
    .withCorrelationId(world.correlation("poker"))
    .withSyncMode(SyncMode.SYNC_MODE_CASCADE)
    .execute({ timeoutMs: CALL_TIMEOUT_MS });
}

const player = (world: AngzarrWorld, name: string) => world.rootFor("player", name);
const table = (world: AngzarrWorld, name: string) => world.rootFor("table", name);

function typeOf(p: EventPage): string {
  return p.payload?.$case === "event" ? typeNameFromUrl(p.payload.value.typeUrl) : "";
}

function decode(p: EventPage, type: MessageType<Strings>): Strings {
  if (p.payload?.$case !== "event") throw new Error("page carries no event");
  return type.decode(p.payload.value.value);
}

function seqOf(p: EventPage): number {
  const h = p.header?.sequenceType;
  if (h?.$case !== "sequence") throw new Error(`page has no explicit sequence: ${JSON.stringify(h)}`);
  return h.value;
}

// ---- players and hands ---------------------------------------------------------------------

async function register(world: AngzarrWorld, name: string): Promise<string> {
  const root = player(world, name);
  await send(world, "player", root, RegisterPlayer, RegisterPlayer.fromPartial({ username: name, email: `${name.toLowerCase()}@example.com` }));
  return root;
}

Given("a registered player {string}", async function (this: AngzarrWorld, name: string) {
  const root = await register(this, name);
  this.state(FACT_FLOW).player = { name, root, before: await nextSeq(this, "player", root) };
});

Given("a hand in progress where it becomes Alice's turn", async function (this: AngzarrWorld) {
  const hand = this.rootFor("hand", "H1");
  await send(this, "hand", hand, StartHand, { handId: "H1", tableId: table(this, "T1") });
  this.state(FACT_FLOW).hand = hand;
  expect(await nextSeq(this, "hand", hand)).to.equal(1);
});

When("the hand-player saga processes the turn change", async function (this: AngzarrWorld) {
  // Alice's turn: the hand records TurnChanged; the coordinator runs the hand-player saga (CASCADE).
  const hand = this.state(FACT_FLOW).hand;
  if (hand === undefined) throw new Error("no hand was started by an earlier step");
  const alice = player(this, "Alice");
  const response = await send(this, "hand", hand, PassTurn, { playerId: alice });
  expect(response.events?.pages.map(typeOf)).to.deep.equal([TurnChanged.$type]);
});

async function actionRequested(world: AngzarrWorld, name: string): Promise<EventPage[]> {
  const pages = (await book(world, "player", player(world, name))).pages;
  return pages.filter((p) => typeOf(p) === ActionRequested.$type);
}

Then("an ActionRequested fact is injected into Alice's player aggregate", async function (this: AngzarrWorld) {
  const facts = await actionRequested(this, "Alice");
  expect(facts).to.have.length(1);
  expect(decode(facts[0]!, ActionRequested)).to.deep.equal({ playerId: player(this, "Alice"), handId: "H1" });
});

Then("the fact is persisted with the next sequence number", async function (this: AngzarrWorld) {
  const { root, before } = playerUnderTest(this);
  const pages = (await book(this, "player", root)).pages;
  const fact = pages.find((p) => typeOf(p) === ActionRequested.$type)!;
  expect(seqOf(fact)).to.equal(before);
  expect(pages.map(seqOf)).to.deep.equal(Array.from({ length: pages.length }, (_, i) => i));
});

Then("the player aggregate contains an ActionRequested event", async function (this: AngzarrWorld) {
  const { root } = playerUnderTest(this);
  const state = playerState.rebuild(await book(this, "player", root));
  expect(state.actionsRequested).to.equal(1);
  expect(state.username).to.equal("Alice");
});

// ---- sequencing ----------------------------------------------------------------------------

Given("a player aggregate with {int} existing events", async function (this: AngzarrWorld, count: number) {
  const root = await register(this, "Pat");
  for (let i = 1; i < count; i++) await send(this, "player", root, DepositFunds, DepositFunds.fromPartial({ amount: 10 }));
  expect(await nextSeq(this, "player", root)).to.equal(count);
  this.state(FACT_FLOW).player = { name: "Pat", root, before: count };
});

async function injectAction(world: AngzarrWorld, root: string, externalId: string): Promise<FactInjectionResponse> {
  const p = await poker(world);
  return p.commands.injectFact(
    {
      domain: "player",
      root,
      externalId,
      events: [packAny(ActionRequested, { playerId: root, handId: "H7" })],
      correlationId: world.correlation("fact"),
    },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
}

When("an ActionRequested fact is injected", async function (this: AngzarrWorld) {
  const { root } = playerUnderTest(this);
  this.state(FACT_FLOW).factResponse = await injectAction(this, root, `action-${this.nonce}`);
});

Then("the fact is persisted with sequence number {int}", async function (this: AngzarrWorld, sequence: number) {
  // The contract's core file says 4 after 3 events; facts land at the next sequence, 3 (docs/contract-differences.md, row 9).
  const response = this.state(FACT_FLOW).factResponse;
  expect(response?.events?.pages.map(seqOf)).to.deep.equal([sequence]);
  const { root } = playerUnderTest(this);
  const stored = (await book(this, "player", root)).pages.find((p) => typeOf(p) === ActionRequested.$type)!;
  expect(seqOf(stored)).to.equal(sequence);
});

Then("subsequent events continue from sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { root } = playerUnderTest(this);
  const response = await send(this, "player", root, DepositFunds, DepositFunds.fromPartial({ amount: 1 }));
  expect(response.events?.pages.map(seqOf)).to.deep.equal([sequence]);
});

// ---- tables --------------------------------------------------------------------------------

async function seat(world: AngzarrWorld, name: string, tableName: string): Promise<void> {
  const root = await register(world, name);
  await send(world, "table", table(world, tableName), SeatPlayer, { playerId: root, tableId: table(world, tableName) });
  world.state(FACT_FLOW).table = { name: tableName, root: table(world, tableName) };
}

Given("player {string} is seated at table {string}", async function (this: AngzarrWorld, name: string, tableName: string) {
  await seat(this, name, tableName);
});

Given("player {string} is sitting out at table {string}", async function (this: AngzarrWorld, name: string, tableName: string) {
  await seat(this, name, tableName);
  await send(this, "player", player(this, name), SitOut, { tableId: table(this, tableName) });
  expect(tableState.rebuild(await book(this, "table", table(this, tableName))).seats[player(this, name)]).to.equal("sitting_out");
});

When("Charlie's player aggregate emits {word}", async function (this: AngzarrWorld, emitted: string) {
  // The player emits the event in answer to its command: PlayerSittingOut <- SitOut, PlayerReturning <- SitIn.
  const commands: Record<string, MessageType<Strings>> = { PlayerSittingOut: SitOut, PlayerReturning: SitIn };
  const command = commands[emitted];
  if (!command) throw new Error(`no player command emits ${emitted}`);
  const { root: tableRoot } = tableUnderTest(this);
  this.state(FACT_FLOW).tableBefore = await nextSeq(this, "table", tableRoot);
  const response = await send(this, "player", player(this, "Charlie"), command, { tableId: tableRoot });
  expect(response.events?.pages.map(typeOf)).to.deep.equal([`examples.poker.${emitted}`]);
});

async function tableFacts(world: AngzarrWorld, type: string): Promise<EventPage[]> {
  const { root } = tableUnderTest(world);
  return (await book(world, "table", root)).pages.filter((p) => typeOf(p) === `examples.poker.${type}`);
}

Then("a {word} fact is injected into the table aggregate", async function (this: AngzarrWorld, type: string) {
  const facts = await tableFacts(this, type);
  expect(facts, `${type} pages in the table`).to.have.length(1);
  const codec = type === "PlayerSatOut" ? PlayerSatOut : PlayerSatIn;
  expect(decode(facts.at(-1)!, codec).playerId).to.equal(player(this, "Charlie"));
});

Then("the table records Charlie as sitting out", async function (this: AngzarrWorld) {
  const { root } = tableUnderTest(this);
  expect(tableState.rebuild(await book(this, "table", root)).seats[player(this, "Charlie")]).to.equal("sitting_out");
});

Then("the table records Charlie as active", async function (this: AngzarrWorld) {
  const { root } = tableUnderTest(this);
  expect(tableState.rebuild(await book(this, "table", root)).seats[player(this, "Charlie")]).to.equal("active");
});

Then("the fact has a sequence number in the table's event stream", async function (this: AngzarrWorld) {
  const [fact] = await tableFacts(this, "PlayerSatOut");
  expect(seqOf(fact!)).to.equal(this.state(FACT_FLOW).tableBefore);
});

// ---- fact metadata -------------------------------------------------------------------------

Given("a saga that emits a fact", function (this: AngzarrWorld) {
  this.state(FACT_FLOW).saga = handPlayerSaga();
});

Given("a saga that emits a fact to domain {string}", async function (this: AngzarrWorld, domain: string) {
  // The poker coordinator serves the lobby-notifier saga: it sends a command to the player and a
  // fact to the domain its NotifyRequested event names.
  await poker(this);
  this.state(FACT_FLOW).factDomain = domain;
});

// In-process: the SDK saga handles a hand's TurnChanged and builds its fact.
When("the fact is constructed", async function (this: AngzarrWorld) {
  const saga = inProcessSaga(this);
  const source = makeEventBook(makeCover({ domain: "hand", root: this.rootFor("hand", "H9"), correlationId: this.correlation("hand") }), [
    makeEventPage(4, packAny(TurnChanged, { playerId: player(this, "Alice"), handId: "H9" })),
  ]);
  this.state(FACT_FLOW).sagaResponse = await saga.handle(sagaRequest(source));
});

When("the saga processes an event", async function (this: AngzarrWorld) {
  const s = this.state(FACT_FLOW);
  const domain = s.factDomain;
  if (domain === undefined) throw new Error("no saga was set up to emit a fact to a domain");
  // Through the coordinator's SagaCoordinatorService, as the bus delivers a source book.
  const alice = await register(this, "Alice");
  s.player = { name: "Alice", root: alice, before: await nextSeq(this, "player", alice) };
  const p = await poker(this);
  const client = new SagaCoordinatorServiceClient(p.endpoint, credentials.createInsecure());
  const source = makeEventBook(makeCover({ domain: "lobby", root: this.rootFor("lobby", "L1"), correlationId: this.correlation("lobby") }), [
    makeEventPage(0, packAny(NotifyRequested, { playerId: alice, targetDomain: domain })),
  ]);
  this.lastError = undefined;
  try {
    await new Promise<SagaResponse>((resolve, reject) =>
      client.execute(sagaRequest(source, SyncMode.SYNC_MODE_SIMPLE), (err, res) => (err ? reject(GrpcError.fromServiceError(err)) : resolve(res))),
    );
  } catch (err) {
    this.lastError = err;
  } finally {
    client.close();
  }
});

function sagaFacts(world: AngzarrWorld): EventBook[] {
  const response = world.state(FACT_FLOW).sagaResponse;
  if (!response) throw new Error("the saga answered nothing");
  expect(response.events, "facts").to.have.length(1);
  return response.events;
}

Then("the fact Cover has domain set to the target aggregate", function (this: AngzarrWorld) {
  expect(sagaFacts(this)[0]!.cover?.domain).to.equal("player");
});

Then("the fact Cover has root set to the target aggregate root", function (this: AngzarrWorld) {
  expect(coverRoot(sagaFacts(this)[0]!.cover)).to.equal(player(this, "Alice"));
});

Then("the fact Cover has external_id set for idempotency", async function (this: AngzarrWorld) {
  // external_id lives in each page's external_deferred header; it is derived from the saga and
  // the source event, so handling the same event again gives the same id.
  const ids = sagaFacts(this)[0]!.pages.map((p) =>
    p.header?.sequenceType?.$case === "externalDeferred" ? p.header.sequenceType.value.externalId : "",
  );
  expect(ids).to.have.length(1);
  expect(ids[0]).to.not.equal("");
  const first = this.state(FACT_FLOW).sagaResponse;
  const saga = inProcessSaga(this);
  const source = makeEventBook(makeCover({ domain: "hand", root: this.rootFor("hand", "H9"), correlationId: this.correlation("hand") }), [
    makeEventPage(4, packAny(TurnChanged, { playerId: player(this, "Alice"), handId: "H9" })),
  ]);
  const again = await saga.handle(sagaRequest(source));
  const header = again.events[0]!.pages[0]!.header?.sequenceType;
  expect(header?.$case === "externalDeferred" ? header.value.externalId : "").to.equal(ids[0]);
  this.state(FACT_FLOW).sagaResponse = first;
});

Then("the fact Cover has correlation_id for traceability", function (this: AngzarrWorld) {
  expect(sagaFacts(this)[0]!.cover?.correlationId).to.equal(this.correlation("hand"));
});

Then("the saga fails with error containing {string}", function (this: AngzarrWorld, text: string) {
  const err = this.lastError;
  expect(err, "the saga call failed").to.not.equal(undefined);
  // The coordinator's answer: INTERNAL "Saga orchestration failed: facts for <domain> failed:
  // ... NOT_FOUND ... No aggregate registered for domain: <domain>". NOT_FOUND is the status
  // name of "not found", so the comparison ignores case and treats "_" as a space.
  const normalized = describeError(err).toLowerCase().replace(/_/g, " ");
  expect(normalized).to.include(text.toLowerCase());
  expect((err as GrpcError).code).to.equal(sdk.Status.INTERNAL);
});

// The lobby-notifier's command is a deposit to Alice's player aggregate: none was stored.
Then("no commands from that saga are executed", async function (this: AngzarrWorld) {
  const { root, before } = playerUnderTest(this);
  expect(this.lastError, "the saga call failed").to.not.equal(undefined);
  const pages = (await book(this, "player", root)).pages;
  expect(pages.map(typeOf)).to.deep.equal([PlayerRegistered.$type]);
  expect(pages).to.have.length(before);
});

// ---- idempotency ---------------------------------------------------------------------------

Given("a fact with external_id {string}", async function (this: AngzarrWorld, externalId: string) {
  const root = await register(this, "Alice");
  const s = this.state(FACT_FLOW);
  s.player = { name: "Alice", root, before: await nextSeq(this, "player", root) };
  s.externalId = externalId;
});

When("the same fact is injected twice", async function (this: AngzarrWorld) {
  const { root } = playerUnderTest(this);
  const s = this.state(FACT_FLOW);
  if (s.externalId === undefined) throw new Error("no external ID was set up by an earlier step");
  const first = await injectAction(this, root, s.externalId);
  let second: FactInjectionResponse | undefined;
  this.lastError = undefined;
  try {
    second = await injectAction(this, root, s.externalId);
  } catch (err) {
    this.lastError = err;
  }
  s.injections = [first, second];
});

Then("only one event is stored in the aggregate", async function (this: AngzarrWorld) {
  const { root, before } = playerUnderTest(this);
  const pages = (await book(this, "player", root)).pages;
  expect(pages).to.have.length(before + 1);
  expect(pages.filter((p) => typeOf(p) === ActionRequested.$type)).to.have.length(1);
});

Then("the second injection succeeds without error", function (this: AngzarrWorld) {
  expect(this.lastError, "second injection error").to.equal(undefined);
  const [first, second] = this.state(FACT_FLOW).injections ?? [];
  expect(first!.alreadyProcessed).to.equal(false);
  expect(second!.alreadyProcessed).to.equal(true);
  expect(second!.events?.pages.map(seqOf)).to.deep.equal(first!.events?.pages.map(seqOf));
});
