Feature: Merge strategies for stale commands
  Every command page names how a stale expected sequence is handled. Against the 0.5.1
  coordinator, STRICT, COMMUTATIVE and MANUAL are all refused by its sequence pre-check with
  FAILED_PRECONDITION carrying the current state; AGGREGATE_HANDLES leaves the decision to
  the handler, which numbers its events from the aggregate's real next sequence.

  Background:
    Given an AggregateClient connected to the test backend

  Scenario Outline: A command at the aggregate's sequence is accepted under <strategy>
    Given an aggregate "orders" with root "order-m1" at sequence 3
    When I execute a command at sequence 3 with merge strategy <strategy>
    Then the command should succeed
    And the response should contain events starting at sequence 3

    Examples:
      | strategy          |
      | STRICT            |
      | COMMUTATIVE       |
      | AGGREGATE_HANDLES |
      | MANUAL            |

  Scenario Outline: A stale command under <strategy> is refused and nothing is stored
    Given an aggregate "orders" with root "order-m2" at sequence 3
    When I execute a command at sequence 1 with merge strategy <strategy>
    Then the command should fail with precondition error
    And the error should indicate sequence mismatch
    And the aggregate "orders" root "order-m2" holds 3 events

    Examples:
      | strategy    |
      | STRICT      |
      | COMMUTATIVE |
      | MANUAL      |

  Scenario: A stale command under AGGREGATE_HANDLES is decided by the handler
    Given an aggregate "orders" with root "order-m3" at sequence 3
    When I execute a command at sequence 1 with merge strategy AGGREGATE_HANDLES
    Then the command should succeed
    And the response should contain events starting at sequence 3
    And the aggregate "orders" root "order-m3" holds 4 events

  Scenario: The refusal carries the current state and a retry at its next sequence succeeds
    Given an aggregate "orders" with root "order-m4" at sequence 3
    When I execute a command at sequence 1 with merge strategy COMMUTATIVE
    Then the refusal reports the aggregate's next sequence as 3
    When I retry the command at the sequence the refusal reported
    Then the command should succeed
    And the response should contain events starting at sequence 3

  Scenario Outline: A new aggregate accepts sequence 0 under <strategy>
    Given a new aggregate root in domain "orders"
    When I execute a command at sequence 0 with merge strategy <strategy>
    Then the command should succeed
    And the response should contain events starting at sequence 0

    Examples:
      | strategy          |
      | STRICT            |
      | COMMUTATIVE       |
      | AGGREGATE_HANDLES |
      | MANUAL            |
