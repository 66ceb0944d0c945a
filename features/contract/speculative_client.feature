Feature: Contract: Speculative client
  The shared speculative_client phrasings: what-if runs of commands, sagas, process managers
  and projectors through a SpeculativeClient. Nothing is stored and no edition is created (the
  0.5.1 coordinator speculates in memory); a what-if meant to stay readable is written into an
  edition of its own, a branch the main timeline never sees. A process manager speculation for a trigger without
  a correlation ID is refused by the SDK before it is sent (the coordinator does not check it).

  Background:
    Given a SpeculativeClient connected to the test backend

  Scenario: A speculative command returns its events and stores nothing
    Given an aggregate "orders" with root "order-001" has 3 events
    When I speculatively execute a command
    Then the response should contain the projected events
    And the events should NOT be persisted

  Scenario: A speculative command against an earlier point in history
    Given a speculative aggregate "orders" with root "order-002" has 10 events
    When I speculatively execute a command as of sequence 5
    Then the command should execute against the historical state
    And the response should reflect state at sequence 5

  Scenario: A business rule refuses the speculative command
    Given an aggregate "orders" with root "order-003" in state "shipped"
    When I speculatively execute a "ShipOrder" command
    Then the response should indicate rejection
    And the rejection reason should be "order already shipped"

  Scenario: Invalid input fails and produces nothing
    Given an aggregate "orders" with root "order-004" has 2 events
    When I speculatively execute a command with invalid payload
    Then the operation should fail with validation error
    And no events should be produced

  Scenario: Speculation leaves no edition behind
    Given an aggregate "orders" with root "order-005" has 2 events
    When I speculatively execute a command against "orders" root "order-005"
    Then the edition should be discarded after execution

  Scenario: A what-if run written into a new edition leaves the main timeline as it was
    Given an aggregate "orders" with root "order-014" has 3 events
    When I run a command as a what-if in a new edition
    And I verify the real events for "orders" root "order-014"
    Then an edition should be created for the speculation
    And I should receive only 3 events

  @needs-projectors
  Scenario: A speculative projector returns the projection and updates nothing
    Given events for "orders" root "order-006"
    When I speculatively execute projector "order-summary"
    Then the response should contain the projection
    And no external systems should be updated

  @needs-projectors
  Scenario: A speculative projector sees every event
    Given 5 events for "orders" root "order-007"
    When I speculatively execute projector "order-summary" against those events
    Then the projector should process all 5 events in order
    And the final projection state should be returned

  @needs-sagas
  Scenario: A speculative saga returns its commands and sends none
    Given events for "orders" root "order-008"
    When I speculatively execute saga "orders-inventory"
    Then the response should contain the commands the saga would emit
    And the commands should NOT be sent to the target domain
    And the commands should NOT be executed

  @needs-sagas
  Scenario: A speculative saga keeps the origin chain
    Given events with saga origin from "orders" aggregate
    When I speculatively execute saga "orders-inventory"
    Then the response should preserve the saga origin chain

  @needs-process-managers @needs-multi-domain
  Scenario: A speculative process manager returns its decisions and executes none
    Given correlated events from multiple domains
    When I speculatively execute process manager "fulfillment"
    Then the response should contain the PM's command decisions
    And the commands should NOT be executed

  Scenario: A process manager speculation without a correlation ID is refused before sending
    Given events without correlation ID
    When I speculatively execute process manager "fulfillment"
    Then the speculative PM operation should fail
    And the error should indicate missing correlation ID

  Scenario: The real history is untouched by a speculation
    Given an aggregate "orders" with root "order-012" has 3 events
    When I speculatively execute a command producing 3 events
    And I verify the real events for "orders" root "order-012"
    Then I should receive only 3 events
    And the speculative events should not be present

  Scenario: Speculations are independent
    Given an aggregate "orders" with root "order-013" has 3 events
    When I speculatively execute command A
    And I speculatively execute command B
    Then each speculation should start from the same base state
    And results should be independent

  Scenario: An unreachable speculative service
    Given the speculative service is unavailable
    When I attempt speculative execution
    Then the speculative operation should fail with connection error

  Scenario: Missing parameters are refused before any call
    When I attempt speculative execution with missing parameters
    Then the speculative operation should fail with invalid argument error
