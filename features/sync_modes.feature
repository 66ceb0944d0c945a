Feature: Sync modes decide what has run when a command returns
  ASYNC answers once the events are stored; SIMPLE also waits for the projectors; CASCADE
  also waits for the sagas and the commands they emit (recursively). The embedded backend
  runs the order-summary projector and the orders -> inventory saga (ItemAdded -> ReserveStock).

  Background:
    Given an AggregateClient connected to the test backend

  @needs-projectors
  Scenario: SIMPLE returns the projection of the stored events
    Given an aggregate "orders" with root "order-s1" at sequence 1
    When I execute a "AddItem" command with sync mode SIMPLE and correlation ID "simple-1"
    Then the command should succeed
    And the response should include projector results
    And the response carries a projection of the aggregate holding a "OrderSummary"

  @needs-sagas
  Scenario: CASCADE has run the saga and the command it emitted before returning
    Given an aggregate "orders" with root "order-s2" at sequence 1
    When I execute a "AddItem" command with sync mode CASCADE and correlation ID "cascade-1"
    Then the command should succeed
    And events correlated with "cascade-1" already exist in domain "inventory" with type "StockReserved"

  @needs-sagas
  Scenario: ASYNC hands the events to the saga after answering
    Given an aggregate "orders" with root "order-s3" at sequence 1
    When I execute a "AddItem" command with sync mode ASYNC and correlation ID "async-1"
    Then the command should succeed
    And the response should return without waiting for projectors
    And events correlated with "async-1" eventually exist in domain "inventory" with type "StockReserved"

  @needs-projectors
  Scenario: A sync mode this coordinator does not know is treated as ASYNC
    Given an aggregate "orders" with root "order-s4" at sequence 1
    When I execute a "AddItem" command with sync mode number 3
    Then the command should succeed
    And the response should return without waiting for projectors
