Feature: Dispatching commands to aggregate handlers
  A CommandRouter decodes each command, rebuilds state from the prior events, calls the one
  handler registered for the command's type, and numbers the events it returns from the
  aggregate's next sequence.

  Background:
    Given an orders CommandRouter whose CreateOrder and AddItem handlers record their calls

  Scenario: Only the handler of the command's type runs
    When the router handles a "CreateOrder" command with data "customer-r1" and no prior events
    Then only the "CreateOrder" handler ran
    And the router answers 1 event of type "OrderCreated" at sequence 0

  Scenario: A handler sees the state rebuilt from the prior events
    When the router handles a "AddItem" command after an OrderCreated and 2 ItemAdded events
    Then the "AddItem" handler saw an existing order with 2 items
    And the router answers 1 event of type "ItemAdded" at sequence 3

  Scenario: A command type without a handler is refused and named
    When the router handles a "ShipOrder" command with data "street 1" and no prior events
    Then the router refuses with INVALID_ARGUMENT mentioning "examples.orders.ShipOrder"

  Scenario: A business refusal from a handler reaches the caller with no events
    When the router handles a "AddItem" command with data "sku-1" and no prior events
    Then the router refuses with FAILED_PRECONDITION mentioning "no order"

  Scenario: A payload that does not decode is refused
    When the router handles a "CreateOrder" command with corrupt bytes
    Then the router fails with a decode error naming "examples.orders.CreateOrder"

  Scenario: A handler that returns nothing records no events
    When the router handles a "CreateOrder" command with data "silent" and no prior events
    Then the router answers no events

  Scenario: Two handlers for one command type are refused when registered
    When I register a second "CreateOrder" handler on the router
    Then the registration fails with a definition error

  Scenario: A refused command's notification reaches the matching rejection handler
    Given the router compensates a ReserveStock refused by "inventory" with an OrderValidated event
    When the router receives a notification that "inventory" refused "ReserveStock" caused by its event 5 because "out of stock"
    Then the router answers 1 event of type "OrderValidated" at sequence 0
    And the rejection handler saw reason "out of stock" for "examples.inventory.ReserveStock" from "inventory" caused by event 5

  Scenario: A rejection nobody compensates is handed back to the framework
    Given the router compensates a ReserveStock refused by "inventory" with an OrderValidated event
    When the router receives a notification that "billing" refused "AddItem" caused by its event 2 because "card declined"
    Then the router hands the rejection back to the framework with a reason mentioning "examples.orders.AddItem"
