Feature: Contract: Routers dispatch commands and events to their handlers
  The SDK's routers, in-process: an aggregate's CommandRouter (state rebuilt by a StateRouter),
  a SagaRouter, a ProjectorRouter and a ProcessManagerRouter, over the orders and inventory
  example messages. The sequence check and the destination fetch are the coordinator's and go
  over gRPC; a rejection is delivered back through HandleCompensation.

  # ---- aggregate router ----

  Scenario: An aggregate router dispatches a command to its type's handler only
    Given an aggregate router with handlers for "CreateOrder" and "AddItem"
    When I receive a "CreateOrder" command
    Then the CreateOrder handler should be invoked
    And the AddItem handler should NOT be invoked

  Scenario: An aggregate router dispatches the other type to its own handler
    Given an aggregate router with handlers for "CreateOrder" and "AddItem"
    When I receive an "AddItem" command
    Then the AddItem handler should be invoked
    And the CreateOrder handler should NOT be invoked

  Scenario: Command handlers see the history rebuilt from the prior events
    Given an aggregate router with handlers for "AddItem"
    And an aggregate with existing events
    When I receive a command for that aggregate
    Then the router should load the EventBook first
    And the handler should receive the reconstructed state

  Scenario: A command at a stale sequence is refused before any handler runs
    Given an AggregateClient connected to the test backend
    And an aggregate at sequence 5
    When I receive a command at sequence 3
    Then the router should reject with sequence mismatch
    And no handler should be invoked

  Scenario: Events a handler emits are returned at the next sequences
    Given an aggregate router
    When a handler emits 2 events
    Then the router should return those events
    And the events should have correct sequences

  Scenario: A command type without a handler is refused
    Given an aggregate router
    When I receive a "CancelOrder" command
    Then the error should indicate unknown command type

  # ---- saga router ----

  Scenario: A saga router dispatches an event to its type's handler only
    Given a saga router with handlers for "OrderCreated" and "OrderShipped"
    When I receive an "OrderCreated" event
    Then the OrderCreated handler should be invoked
    And the OrderShipped handler should NOT be invoked

  @needs-multi-domain
  Scenario: A saga's command is sequenced from the destination's state
    Given a saga router
    When I receive an event that triggers command to "inventory"
    Then the router should fetch inventory aggregate state
    And the handler should receive destination state for sequence calculation

  Scenario: A saga returns the commands its handler produces, stamped with their origin
    Given a saga router
    When a handler produces a command
    Then the router should return the command
    And the command should have correct saga_origin
    And the command should preserve correlation ID

  Scenario: A rejected saga command is compensated by the source aggregate
    Given a saga router with a rejected command
    When the router processes the rejection
    Then the router should build compensation context
    And the router should emit rejection notification

  Scenario: A saga keeps no state between events
    Given a saga router
    When I process two events with same type
    Then each should be processed independently
    And no state should carry over between events

  Scenario: A saga refuses an event payload that does not decode
    Given a saga router
    When I receive an event with invalid payload
    Then the error should indicate deserialization failure

  # ---- projector router ----

  Scenario: A projector router dispatches by event type
    Given a projector router with handlers for "OrderCreated"
    When I receive an "OrderCreated" event
    Then the OrderCreated handler should be invoked
    And the ItemAdded handler should NOT be invoked

  Scenario: A projector processes a batch in order and returns the projection
    Given a projector router
    When I receive 5 events in a batch
    Then all 5 events should be processed in order
    And the projection result should be returned

  Scenario: A speculative projection has no side effects
    Given a projector router
    When I speculatively process events
    Then no external side effects should occur
    And the router projection state should be returned

  Scenario: A projection records the last position it processed
    Given a projector router
    When I process events from sequence 10 to 15
    Then the router should track that position 15 was processed

  # ---- process manager router ----

  Scenario: A process manager dispatches events of several domains
    Given a PM router with handlers for "OrderCreated" and "StockReserved"
    When I receive an "OrderCreated" event from domain "orders"
    And I receive an "StockReserved" event from domain "inventory"
    Then the OrderCreated handler should be invoked
    And the StockReserved handler should be invoked

  Scenario: A process manager skips events without a correlation ID
    Given a PM router
    When I receive an event without correlation ID
    Then the event should be skipped

  Scenario: A process manager keeps state per correlation ID
    Given a PM router
    When I receive correlated events with ID "workflow-123"
    Then state should be maintained across events
    And events with different correlation IDs should have separate state

  Scenario: A process manager's commands keep the correlation ID
    Given a PM router
    When a handler produces a command
    Then the router should return the command
    And the command should preserve correlation ID

  # ---- registration ----

  Scenario: A handler registered for a type matches that type's full name only
    Given a router
    When I register handler for type "OrderCreated"
    Then events ending with "OrderCreated" should match
    And events ending with "ItemAdded" should NOT match
    And events ending with "examples.legacy.OrderCreated" should NOT match

  Scenario: Several handlers are each routable
    Given a router
    When I register handlers for "OrderCreated", "ItemAdded", and "OrderShipped"
    Then all three types should be routable
    And each should invoke its specific handler

  Scenario: A handler receives the decoded message
    Given a router with handler for protobuf message type
    When I receive an event with that type
    Then the raw bytes should be deserialized
    And the handler should receive the decoded message

  # ---- state building ----

  Scenario: State is built from the events
    Given events: OrderCreated, ItemAdded, ItemAdded
    When I build state from these events
    Then the state should have 2 items
    And the state should reflect all three events applied

  Scenario: State building starts from a snapshot
    Given a snapshot at sequence 5
    And events 6, 7, 8
    When I build state
    Then the router should start from snapshot
    And only apply events 6, 7, 8

  Scenario: No events give the initial state
    Given no events for the aggregate
    When I build state
    Then the state should be the default/initial state

  # ---- errors ----

  Scenario: A handler's error reaches the caller and no events are emitted
    Given an aggregate router
    When a handler returns an error
    Then the router should propagate the error
    And no events should be emitted

  Scenario: A history that cannot be rebuilt fails before any handler runs
    Given an aggregate router
    When state building fails
    Then the router should return an error
    And no handler should be invoked

  # ---- guard / validate / compute ----

  Scenario: The guard refuses a command to an aggregate that does not exist
    Given an aggregate with guard checking aggregate exists
    When I send command to non-existent aggregate
    Then guard should reject
    And no event should be emitted

  Scenario: Validation refuses invalid data with a reason
    Given an aggregate handler with validation
    When I send command with invalid data
    Then validate should reject
    And rejection reason should describe the issue

  Scenario: Compute emits the events of the state change
    Given an aggregate handler
    When guard and validate pass
    Then compute should produce events
    And events should reflect the state change
