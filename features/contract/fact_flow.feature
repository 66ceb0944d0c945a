Feature: Contract: Facts flow from sagas into other aggregates
  Facts are events that happened elsewhere: a saga emits them, the coordinator injects them
  into the target aggregate at its next sequence without asking it, and an external ID makes
  the injection idempotent. The poker test domain (player, table and hand aggregates, the
  hand-player and player-table sagas) runs behind a second embedded coordinator, started by
  the steps; scenarios where the coordinator runs sagas carry the saga and multi-domain tags.

  @needs-sagas @needs-multi-domain
  Scenario: A turn change in a hand asks the player to act
    Given a registered player "Alice"
    And a hand in progress where it becomes Alice's turn
    When the hand-player saga processes the turn change
    Then an ActionRequested fact is injected into Alice's player aggregate
    And the fact is persisted with the next sequence number
    And the player aggregate contains an ActionRequested event

  Scenario: A fact takes the aggregate's next sequence and later events follow it
    Given a player aggregate with 3 existing events
    When an ActionRequested fact is injected
    Then the fact is persisted with sequence number 3
    And subsequent events continue from sequence 4

  @needs-sagas @needs-multi-domain
  Scenario: A player sitting out becomes a fact on the table
    Given player "Charlie" is seated at table "T1"
    When Charlie's player aggregate emits PlayerSittingOut
    Then a PlayerSatOut fact is injected into the table aggregate
    And the table records Charlie as sitting out
    And the fact has a sequence number in the table's event stream

  @needs-sagas @needs-multi-domain
  Scenario: A player returning becomes a fact on the table
    Given player "Charlie" is sitting out at table "T1"
    When Charlie's player aggregate emits PlayerReturning
    Then a PlayerSatIn fact is injected into the table aggregate
    And the table records Charlie as active

  Scenario: A saga's fact carries its target, an external ID and the correlation
    Given a saga that emits a fact
    When the fact is constructed
    Then the fact Cover has domain set to the target aggregate
    And the fact Cover has root set to the target aggregate root
    And the fact Cover has external_id set for idempotency
    And the fact Cover has correlation_id for traceability

  @needs-sagas @needs-multi-domain
  Scenario: A fact for a domain nobody serves fails the saga
    Given a saga that emits a fact to domain "nonexistent"
    When the saga processes an event
    Then the saga fails with error containing "not found"

  # The coordinator runs a saga's commands before it injects its facts (COORDINATOR.md §10.1),
  # so the deposit above did run; a saga that fails on its event runs none of them.
  @needs-sagas @needs-multi-domain
  Scenario: A saga that fails on its event runs none of its commands
    Given a saga that emits a fact to domain "Lobby Hall"
    When the saga processes an event
    Then the saga fails with error containing "is not a domain name"
    And no commands from that saga are executed

  Scenario: Injecting the same fact twice stores it once
    Given a fact with external_id "action-H1-Alice-1"
    When the same fact is injected twice
    Then only one event is stored in the aggregate
    And the second injection succeeds without error
