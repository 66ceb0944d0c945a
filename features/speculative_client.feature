Feature: What-if execution through a SpeculativeClient
  A speculative command runs the real handler against the history up to a point and
  returns the events it would record; nothing is stored and no edition is created.
  Sagas, process managers and projectors can be asked the same way: the coordinator calls the
  one registered for the book's domain and returns what it would emit, executing nothing.

  Background:
    Given a SpeculativeClient connected to the test backend

  Scenario: A speculative command returns its events and stores nothing
    Given an aggregate "orders" with root "order-w1" has 3 events
    When I speculate a "AddItem" command on "orders" root "order-w1" as of sequence 2
    Then the speculation returns 1 event starting at sequence 3
    And the aggregate "orders" root "order-w1" holds 3 events

  Scenario: A speculation as of an earlier sequence sees only the history up to it
    Given an aggregate "orders" with root "order-w2" has 10 events
    When I speculate a "AddItem" command on "orders" root "order-w2" as of sequence 5
    Then the speculation returns 1 event starting at sequence 6
    And the aggregate "orders" root "order-w2" holds 10 events

  Scenario: A command the business refuses is refused speculatively at once
    Given no aggregate exists for domain "orders" root "order-w3"
    When I speculate a "AddItem" command on "orders" root "order-w3" as of sequence 0
    Then the speculation fails with precondition error
    And the aggregate "orders" root "order-w3" holds 0 events

  Scenario: A speculative command missing a required field is refused as invalid
    Given an aggregate "orders" with root "order-w4" has 1 events
    When I speculate a command without required fields on "orders" root "order-w4"
    Then the speculation fails with invalid argument error

  Scenario: Speculations do not see each other
    Given an aggregate "orders" with root "order-w5" has 3 events
    When I speculate a "AddItem" command on "orders" root "order-w5" as of sequence 2
    And I speculate a "AddItem" command on "orders" root "order-w5" as of sequence 2
    Then the speculation returns 1 event starting at sequence 3
    And the aggregate "orders" root "order-w5" holds 3 events

  Scenario: A speculation without a point in history is refused before any call
    When I speculate a "AddItem" command on "orders" root "order-w6" without a point in history
    Then the error should be an invalid argument error

  Scenario: An unreachable coordinator gives a connection error
    When I speculate through a SpeculativeClient connected to an unreachable endpoint
    Then the operation should fail with connection error

  @needs-sagas
  Scenario: A speculative saga returns the commands it would send and executes none
    When I speculate the saga on an "orders" book ending in ItemAdded "sku-s1" correlated as "what-if-1"
    Then the saga speculation returns 1 "ReserveStock" command for domain "inventory" correlated as "what-if-1"
    And no stock has been reserved for item "sku-s1"

  @needs-sagas
  Scenario: Speculating a saga for a domain no saga listens to is not found
    When I speculate the saga on an "inventory" book ending in ItemAdded "sku-s2" correlated as "what-if-2"
    Then the speculation fails with not found error

  @needs-process-managers
  Scenario: A speculative process manager returns its process events and stores nothing
    When I speculate the process manager on an "orders" trigger ending in ItemAdded "sku-p1" correlated as "what-if-3"
    Then the process manager speculation returns 1 process event and 0 commands
    And no events correlated with "what-if-3" exist in domain "fulfillment"

  Scenario: A speculative process manager without a correlation ID is refused before sending
    When I speculate the process manager on an "orders" trigger ending in ItemAdded "sku-p2" correlated as ""
    Then the speculation fails with invalid argument error

  @needs-projectors
  Scenario: A speculative projector returns the projection of the events
    When I speculate the projector on an "orders" book with items "sku-r1,sku-r2"
    Then the speculative projection counts 2 items in 2 events

  @needs-projectors
  Scenario: Speculating a projector for a domain nobody projects is not found
    When I speculate the projector on an "inventory" book with items "sku-r3"
    Then the speculation fails with not found error
