Feature: Process managers coordinate several domains per correlation ID
  A ProcessManagerRouter reacts to the newest event of a correlated trigger, with state
  rebuilt from its own prior events; it records its own events after those and emits
  commands stamped with the process's correlation ID.

  Background:
    Given a "fulfillment" ProcessManagerRouter that counts items from orders and reserves stock for each

  Scenario: A correlated trigger produces a command and a process event
    When the process manager handles an "orders" trigger ending in ItemAdded "sku-1" correlated as "flow-9" with no prior process events
    Then the process manager emits 1 "ReserveStock" command for domain "inventory"
    And every process manager command carries correlation ID "flow-9"
    And the process manager records 1 event at sequence 0

  Scenario: State comes from the process manager's own prior events
    When the process manager handles an "orders" trigger ending in ItemAdded "sku-3" correlated as "flow-10" with 2 prior process events
    Then the process manager handler saw 2 items counted
    And the process manager records 1 event at sequence 2

  Scenario: A trigger without a correlation ID is skipped
    When the process manager handles an "orders" trigger ending in ItemAdded "sku-1" correlated as "" with no prior process events
    Then the process manager emits 0 "ReserveStock" command for domain "inventory"
    And the process manager records no events

  Scenario: Events of a domain it does not subscribe to are skipped
    When the process manager handles an "billing" trigger ending in ItemAdded "sku-1" correlated as "flow-11" with no prior process events
    Then the process manager emits 0 "ReserveStock" command for domain "inventory"
    And the process manager records no events
