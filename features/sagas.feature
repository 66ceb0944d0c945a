Feature: Sagas turn events of one domain into commands for another
  A SagaRouter walks every page of a source book, calls the handler of each declared event
  type once per event, and stamps what it emits: commands get a deferred header naming the
  source event, plus the source's correlation ID and edition.

  Background:
    Given an orders-to-inventory SagaRouter that reserves stock for every ItemAdded

  Scenario: One command per matching event, none for other types
    When the saga handles an "orders" book with OrderCreated and items "sku-1,sku-2" correlated as "flow-1"
    Then the saga emits 2 "ReserveStock" commands for domain "inventory"
    And the commands name the source events at sequences 1 and 2
    And every command carries correlation ID "flow-1"

  Scenario: Books of another domain produce nothing
    When the saga handles an "inventory" book with OrderCreated and items "sku-1,sku-2" correlated as "flow-2"
    Then the saga emits 0 "ReserveStock" commands for domain "inventory"

  Scenario: A saga declaring no event types is refused when defined
    When I define a saga whose handler declares no event types
    Then the registration fails with a definition error

  Scenario: Destination sequences turn deferred commands into expected sequences
    Given the coordinator reports next sequence 7 for domain "inventory"
    When the saga handles an "orders" book with OrderCreated and items "sku-1" correlated as "flow-3"
    Then the saga's command expects sequence 7

  @needs-sagas
  Scenario: The example saga reserves stock for every item under CASCADE
    Given an AggregateClient connected to the test backend
    And an aggregate "orders" with root "order-g1" at sequence 1
    When I execute a "AddItem" command with sync mode CASCADE and correlation ID "saga-1"
    Then the command should succeed
    And events correlated with "saga-1" already exist in domain "inventory" with type "StockReserved"
