Feature: Contract: Merge strategies
  The shared merge_strategy phrasings against the coordinator and the orders handler (the
  contract's player, counter and set aggregates are orders: item count and SKUs). As in the real
  0.5.1 coordinator, the sequence pre-check comes first: a stale STRICT, COMMUTATIVE or MANUAL
  command is refused with FAILED_PRECONDITION carrying the current EventBook (retryable after a
  refresh); AGGREGATE_HANDLES skips the check and the handler decides.

  Background:
    Given an aggregate "orders" with initial events:
      | sequence | type         |
      | 0        | OrderCreated |
      | 1        | ItemAdded    |
      | 2        | ItemAdded    |

  Scenario: STRICT at the aggregate's sequence is accepted
    When a STRICT command targets sequence 3
    Then the command succeeds
    And events are persisted

  Scenario: STRICT behind the aggregate is refused
    When a STRICT command targets sequence 2
    Then the command fails with FAILED_PRECONDITION status
    And the error message contains "Sequence mismatch"
    And no events are persisted

  Scenario: STRICT ahead of the aggregate is refused
    When a STRICT command targets sequence 5
    Then the command fails with FAILED_PRECONDITION status
    And no events are persisted

  Scenario: A STRICT refusal carries the current state
    When a STRICT command targets sequence 1
    Then the error details include the current EventBook
    And the EventBook shows next_sequence 3

  Scenario: COMMUTATIVE at the aggregate's sequence is accepted
    When a COMMUTATIVE command targets sequence 3
    Then the command succeeds

  Scenario: A stale COMMUTATIVE command is refused as retryable with the current state
    When a COMMUTATIVE command targets sequence 1
    Then the command fails with retryable status
    And the error is marked as retryable
    And the error details include the current EventBook

  Scenario: The client retries at the sequence the refusal reports
    Given a command with merge_strategy COMMUTATIVE
    And the command targets sequence 1
    When the coordinator processes the command
    And the client extracts the EventBook from the error
    And rebuilds the command with sequence 3
    And resubmits the command
    Then the retried command succeeds
    And events are persisted at the correct sequence

  Scenario: No explicit strategy means COMMUTATIVE
    Given a command targeting sequence 3
    And a command with no explicit merge_strategy
    When the coordinator processes the command
    Then the command succeeds
    And the effective merge_strategy is COMMUTATIVE

  Scenario: AGGREGATE_HANDLES skips the sequence check and runs the handler
    Given the aggregate accepts the command
    And the command targets sequence 0
    When the command uses merge_strategy AGGREGATE_HANDLES
    Then the coordinator does NOT validate the sequence
    And the aggregate handler is invoked
    And the aggregate receives the prior EventBook

  Scenario: AGGREGATE_HANDLES stores a stale command at the real next sequence
    When a AGGREGATE_HANDLES command targets sequence 1
    Then the command succeeds
    And events are persisted at the correct sequence

  Scenario: Under AGGREGATE_HANDLES the handler's refusal is returned
    Given the aggregate rejects due to state conflict
    And the command targets sequence 1
    When the command uses merge_strategy AGGREGATE_HANDLES
    Then the command fails with aggregate's error
    And no events are persisted

  Scenario: A counter takes two increments sent at the same sequence under AGGREGATE_HANDLES
    Given a counter aggregate at value 10
    And two concurrent IncrementBy commands:
      | amount |
      | 5      |
      | 3      |
    When both commands use merge_strategy AGGREGATE_HANDLES
    And both are processed
    Then both commands succeed
    And the final counter value is 18
    And no sequence conflicts occur

  Scenario: Two COMMUTATIVE adds at the same sequence: the second is refused as stale
    Given a set aggregate containing ["apple", "banana"]
    And two concurrent AddItem commands for "cherry":
      | quantity |
      | 1        |
      | 1        |
    When both commands use merge_strategy COMMUTATIVE
    And both are processed
    Then the first command succeeds with ItemAdded event
    And the command fails with FAILED_PRECONDITION status
    And the set contains ["apple", "banana", "cherry"]

  Scenario Outline: A stale command under <strategy>
    Given the aggregate is at sequence 3
    And a command targeting sequence 1
    When the command uses merge_strategy <strategy>
    Then the response status is <status>
    And the behavior is <behavior>

    Examples:
      | strategy          | status              | behavior                       |
      | STRICT            | FAILED_PRECONDITION | refused with the current state |
      | COMMUTATIVE       | FAILED_PRECONDITION | refused with the current state |
      | MANUAL            | FAILED_PRECONDITION | refused with the current state |
      | AGGREGATE_HANDLES | OK                  | decided by the aggregate       |

  Scenario: Each command's own strategy decides
    Given commands for the same aggregate:
      | command         | merge_strategy    |
      | ReserveFunds    | STRICT            |
      | AddBonusPoints  | COMMUTATIVE       |
      | IncrementVisits | AGGREGATE_HANDLES |
    When processed with sequence conflicts
    Then ReserveFunds is rejected immediately
    And AddBonusPoints is retryable
    And IncrementVisits delegates to aggregate

  Scenario Outline: A new aggregate accepts sequence 0 under <strategy>
    Given a new aggregate with no events
    When a <strategy> command targets sequence 0
    Then the result is success

    Examples:
      | strategy          |
      | STRICT            |
      | COMMUTATIVE       |
      | AGGREGATE_HANDLES |
      | MANUAL            |

  Scenario: After a snapshot the next sequence counts every event
    Given an aggregate with snapshot at sequence 5
    And events at sequences 6, 7
    And the next expected sequence is 8
    When a STRICT command targets sequence 8
    Then the command succeeds
    And the response status is OK

  Scenario: A CommandBook without pages is COMMUTATIVE
    Given a CommandBook with no pages
    When merge_strategy is extracted
    Then the effective merge_strategy is COMMUTATIVE

  @needs-sagas @needs-multi-domain
  Scenario: A saga's command lands after a destination that moved on
    Given a saga emits a command with merge_strategy COMMUTATIVE
    And the destination aggregate has advanced
    When the saga coordinator executes the command
    Then the saga fetches fresh destination state

  # The set aggregate below adds a member once: adding one it holds is a no-op without events.
  Scenario: Under AGGREGATE_HANDLES a member added twice at one sequence is recorded once
    Given an idempotent set aggregate containing ["apple", "banana"]
    When two clients that read the set add "cherry" with merge_strategy AGGREGATE_HANDLES
    Then the first command succeeds with ItemAdded event
    And the second command succeeds with no event (idempotent)

  # Two coordinators share one event store; one runs the saga, the other takes a write meanwhile.
  @needs-sagas
  Scenario: A saga's command that loses a race to a concurrent write is retried after it
    Given an idempotent set aggregate containing ["apple", "banana"]
    And a saga that adds "cherry" to that set
    When another coordinator on the same store appends to the set while the saga's command runs
    Then the saga retries with backoff
