/**
 * A small poker test domain for the fact_flow.feature contract steps (engineer A): player, table
 * and hand aggregates (SDK CommandRouters) and the hand-player and player-table sagas (SDK
 * SagaRouters that emit facts), served by serveComponents and run behind this project's
 * coordinator as a second embedded backend, started once per worker on first use.
 *
 * The examples have no poker messages, so the ones used here are declared below as protobuf
 * messages of string fields (package examples.poker) with a hand-written wire codec: field N is
 * a length-delimited string with tag (N << 3) | 2, exactly what protoc would generate for
 * `message X { string a = 1; string b = 2; }`.
 */
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { computeRoot } from "../../../src/core/index.js";
import { CommandRejectedError } from "../../../src/errors.js";
import { CommandRouter } from "../../../src/handlers/command-router.js";
import { StateRouter } from "../../../src/handlers/state-router.js";
import { SagaHandlers, SagaRouter } from "../../../src/handlers/saga-router.js";
import { event } from "../../../src/handlers/events.js";
import { commandBook, factBook } from "../../../src/handlers/outbound.js";
import type { MessageType } from "../../../src/core/message.js";
import { serveComponents } from "../../../src/server/serve-components.js";
import { consoleLogger } from "../../../src/logger.js";
import { startBackend, type TestBackend } from "../../../src/testing/index.js";
import { DepositFunds, FundsDeposited, PlayerRegistered, RegisterPlayer } from "../../../examples/gen/examples/player.js";

export type Strings = Record<string, string>;

/** A protobuf message of string fields 1..n, in the order given. */
export function stringMessage(fullName: string, fields: readonly string[]): MessageType<Strings> & { fromPartial(o: Partial<Strings>): Strings } {
  const make = (o: Partial<Strings> = {}): Strings => Object.fromEntries(fields.map((f) => [f, o[f] ?? ""]));
  return {
    $type: fullName,
    encode(message: Strings, writer: BinaryWriter = new BinaryWriter()): BinaryWriter {
      fields.forEach((f, i) => {
        const v = message[f];
        if (v) writer.uint32(((i + 1) << 3) | 2).string(v);
      });
      return writer;
    },
    decode(input: Uint8Array, length?: number): Strings {
      const reader = new BinaryReader(input);
      const end = length === undefined ? reader.len : reader.pos + length;
      const out = make();
      while (reader.pos < end) {
        const tag = reader.uint32();
        const field = fields[(tag >>> 3) - 1];
        if ((tag & 7) === 2 && field) out[field] = reader.string();
        else reader.skip(tag & 7);
      }
      return out;
    },
    fromPartial: make,
  };
}

const P = "examples.poker.";
export const SeatPlayer = stringMessage(`${P}SeatPlayer`, ["playerId", "tableId"]);
export const PlayerSeated = stringMessage(`${P}PlayerSeated`, ["playerId", "tableId"]);
export const SitOut = stringMessage(`${P}SitOut`, ["tableId"]);
export const SitIn = stringMessage(`${P}SitIn`, ["tableId"]);
export const PlayerSittingOut = stringMessage(`${P}PlayerSittingOut`, ["playerId", "tableId"]);
export const PlayerReturning = stringMessage(`${P}PlayerReturning`, ["playerId", "tableId"]);
export const PlayerSatOut = stringMessage(`${P}PlayerSatOut`, ["playerId", "tableId"]);
export const PlayerSatIn = stringMessage(`${P}PlayerSatIn`, ["playerId", "tableId"]);
export const StartHand = stringMessage(`${P}StartHand`, ["handId", "tableId"]);
export const HandStarted = stringMessage(`${P}HandStarted`, ["handId", "tableId"]);
export const PassTurn = stringMessage(`${P}PassTurn`, ["playerId"]);
export const TurnChanged = stringMessage(`${P}TurnChanged`, ["playerId", "handId"]);
export const ActionRequested = stringMessage(`${P}ActionRequested`, ["playerId", "handId"]);

// ---- aggregates ----------------------------------------------------------------------------

export interface PlayerState {
  username: string;
  balance: number;
  sittingOutAt: string;
  actionsRequested: number;
}

export const playerState = new StateRouter<PlayerState>(() => ({ username: "", balance: 0, sittingOutAt: "", actionsRequested: 0 }))
  .on(PlayerRegistered, (s, e) => {
    s.username = e.username;
  })
  .on(FundsDeposited, (s, e) => {
    s.balance = Number(e.newBalance);
  })
  .on(PlayerSittingOut, (s, e) => {
    s.sittingOutAt = e.tableId!;
  })
  .on(PlayerReturning, (s) => {
    s.sittingOutAt = "";
  })
  .on(ActionRequested, (s) => {
    s.actionsRequested++;
  });

function playerAggregate(): CommandRouter<PlayerState> {
  return new CommandRouter("player", playerState)
    .on(RegisterPlayer, (cmd: RegisterPlayer, _s, ctx) => {
      if (ctx.exists) throw CommandRejectedError.preconditionFailed("player is already registered");
      return event(PlayerRegistered, PlayerRegistered.fromPartial({ username: cmd.username, email: cmd.email }));
    })
    .on(DepositFunds, (cmd: DepositFunds, s, ctx) => {
      if (!ctx.exists) throw CommandRejectedError.preconditionFailed("player is not registered");
      return event(FundsDeposited, FundsDeposited.fromPartial({ amount: cmd.amount, newBalance: s.balance + cmd.amount }));
    })
    .on(SitOut, (cmd: Strings, _s, ctx) => event(PlayerSittingOut, { playerId: ctx.root ?? "", tableId: cmd.tableId! }))
    .on(SitIn, (cmd: Strings, _s, ctx) => event(PlayerReturning, { playerId: ctx.root ?? "", tableId: cmd.tableId! }));
}

export interface TableState {
  seats: Record<string, "active" | "sitting_out">;
}

export const tableState = new StateRouter<TableState>(() => ({ seats: {} }))
  .on(PlayerSeated, (s, e) => {
    s.seats[e.playerId!] = "active";
  })
  .on(PlayerSatOut, (s, e) => {
    s.seats[e.playerId!] = "sitting_out";
  })
  .on(PlayerSatIn, (s, e) => {
    s.seats[e.playerId!] = "active";
  });

function tableAggregate(): CommandRouter<TableState> {
  return new CommandRouter("table", tableState).on(SeatPlayer, (cmd: Strings, s) => {
    if (s.seats[cmd.playerId!]) throw CommandRejectedError.preconditionFailed("player is already seated");
    return event(PlayerSeated, { playerId: cmd.playerId!, tableId: cmd.tableId! });
  });
}

function handAggregate(): CommandRouter<{ handId: string }> {
  return new CommandRouter(
    "hand",
    new StateRouter<{ handId: string }>(() => ({ handId: "" })).on(HandStarted, (s, e) => {
      s.handId = e.handId!;
    }),
  )
    .on(StartHand, (cmd: Strings) => event(HandStarted, { handId: cmd.handId!, tableId: cmd.tableId! }))
    .on(PassTurn, (cmd: Strings, s, ctx) => {
      if (!ctx.exists) throw CommandRejectedError.preconditionFailed("no hand in progress");
      return event(TurnChanged, { playerId: cmd.playerId!, handId: s.handId });
    });
}

// ---- sagas ---------------------------------------------------------------------------------

/** hand -> player: a turn change asks the player to act (a fact: the player cannot refuse it). */
export function handPlayerSaga(): SagaRouter {
  return new SagaRouter(
    "hand-player",
    "hand",
    new SagaHandlers().on(TurnChanged, (e) => ({
      facts: [factBook({ domain: "player", root: e.playerId! }, event(ActionRequested, { playerId: e.playerId!, handId: e.handId! }))],
    })),
  );
}

/** player -> table: sitting out and returning become facts on the table. */
export function playerTableSaga(): SagaRouter {
  return new SagaRouter(
    "player-table",
    "player",
    new SagaHandlers()
      .on(PlayerSittingOut, (e) => ({
        facts: [factBook({ domain: "table", root: e.tableId! }, event(PlayerSatOut, { playerId: e.playerId!, tableId: e.tableId! }))],
      }))
      .on(PlayerReturning, (e) => ({
        facts: [factBook({ domain: "table", root: e.tableId! }, event(PlayerSatIn, { playerId: e.playerId!, tableId: e.tableId! }))],
      })),
  );
}

export const NotifyRequested = stringMessage(`${P}NotifyRequested`, ["playerId", "targetDomain"]);

/**
 * lobby -> player + `targetDomain`: for each NotifyRequested, a command to the player (a deposit)
 * and an ActionRequested fact into the aggregate of `targetDomain` (the failure scenarios name a
 * domain nobody serves, or a text that is no domain name, which the saga refuses before it
 * emits anything).
 */
export function lobbyNotifierSaga(): SagaRouter {
  return new SagaRouter(
    "lobby-notifier",
    "lobby",
    new SagaHandlers().on(NotifyRequested, (e) => {
      if (!/^[a-z][a-z0-9_-]*$/.test(e.targetDomain!))
        throw CommandRejectedError.preconditionFailed(`${JSON.stringify(e.targetDomain)} is not a domain name`);
      return {
        commands: [commandBook({ domain: "player", root: e.playerId! }, event(DepositFunds, DepositFunds.fromPartial({ amount: 5 })))],
        facts: [
          factBook(
            { domain: e.targetDomain!, root: computeRoot(e.targetDomain!, e.playerId!) },
            event(ActionRequested, { playerId: e.playerId!, handId: "lobby" }),
          ),
        ],
      };
    }),
  );
}

// ---- the backend ---------------------------------------------------------------------------

let poker: Promise<TestBackend> | undefined;

/** The poker coordinator of this worker (started on first use, stopped by stopPokerBackend). */
export function pokerBackend(): Promise<TestBackend> {
  poker ??= startBackend("embedded", {
    embedded: {
      domain: {
        start: (address) =>
          serveComponents(
            { aggregates: [playerAggregate(), tableAggregate(), handAggregate()], sagas: [handPlayerSaga(), playerTableSaga(), lobbyNotifierSaga()] },
            address,
            { logger: { ...consoleLogger, info: () => undefined } },
          ),
        domains: ["player", "table", "hand"],
        sagas: [
          { name: "hand-player", sourceDomain: "hand" },
          { name: "player-table", sourceDomain: "player" },
          { name: "lobby-notifier", sourceDomain: "lobby" },
        ],
      },
    },
  });
  return poker;
}

export async function stopPokerBackend(): Promise<void> {
  const running = poker;
  poker = undefined;
  if (running) await (await running).stop();
}
