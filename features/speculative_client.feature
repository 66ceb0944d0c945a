Feature: What-if execution through a SpeculativeClient
  A speculative command runs the real handler against the history up to a point and
  returns the events it would record; nothing is stored and no edition is created.

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
