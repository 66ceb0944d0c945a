Feature: Reading aggregate histories through a QueryClient
  A QueryClient reads what the coordinator stored: whole histories, ranges, points in
  time, editions and correlated events. Where the shared contracts and the real 0.5.1
  coordinator disagree these scenarios follow the coordinator (see docs/contract-differences.md).

  Background:
    Given a QueryClient connected to the test backend

  Scenario: A root that was never written reads as an empty history
    When I query events for "orders" root "order-never-written"
    Then I should receive an EventBook with 0 events
    And the next_sequence should be 0

  Scenario: The whole history comes back in sequence order
    Given an aggregate "orders" with root "order-001" has 5 events
    When I query events for "orders" root "order-001"
    Then I should receive an EventBook with 5 events
    And events should be in sequence order 0 to 4
    And the next_sequence should be 5

  Scenario: Event type and payload come back as they were stored
    Given an aggregate "orders" with root "order-002" has event "OrderCreated" with data "test-payload"
    When I query events for "orders" root "order-002"
    Then I should receive an EventBook with 1 events
    And the first event should have type "OrderCreated"
    And the first event should have payload "test-payload"

  Scenario: A range with only a lower bound reads to the end
    Given an aggregate "orders" with root "order-003" has 10 events
    When I query events for "orders" root "order-003" from sequence 5
    Then I should receive an EventBook with 5 events
    And the first event should have sequence 5
    And the last event should have sequence 9

  # The 0.5.1 coordinator treats the upper bound as inclusive.
  Scenario: A bounded range includes both bounds
    Given an aggregate "orders" with root "order-004" has 10 events
    When I query events for "orders" root "order-004" from sequence 3 to 7
    Then I should receive an EventBook with 5 events
    And the first event should have sequence 3
    And the last event should have sequence 7

  Scenario: A range that starts after the history is empty
    Given an aggregate "orders" with root "order-005" has 5 events
    When I query events for "orders" root "order-005" from sequence 100
    Then I should receive no events

  Scenario: As of a sequence the history stops at that sequence
    Given an aggregate "orders" with root "order-006" has 10 events
    When I query events for "orders" root "order-006" as of sequence 5
    Then I should receive an EventBook with 6 events
    And the first event should have sequence 0
    And the last event should have sequence 5

  Scenario: As of a time the history holds only the events recorded until then
    Given an aggregate "orders" with root "order-007" has events at known timestamps
    When I query events for "orders" root "order-007" as of time "2024-01-15T10:30:00Z"
    Then I should receive events up to that timestamp

  Scenario: An aggregate written only in an edition is read from that edition
    Given an aggregate "orders" with root "order-008" in edition "test-branch"
    When I query events for "orders" root "order-008" in edition "test-branch"
    Then I should receive events from that edition only
    When I query events for "orders" root "order-008"
    Then I should receive no events

  # The 0.5.1 coordinator reads a named edition as the main timeline up to the edition's
  # first own sequence followed by the edition's events (3 inherited + 2 own).
  Scenario: The main timeline does not see an edition's events
    Given an aggregate "orders" with root "order-009" has 3 events in main
    And an aggregate "orders" with root "order-009" has 2 events in edition "branch"
    When I query events for "orders" root "order-009"
    Then I should receive an EventBook with 3 events
    And the last event should have sequence 2
    When I query events for "orders" root "order-009" in edition "branch"
    Then I should receive an EventBook with 5 events
    And events should be in sequence order 0 to 4

  Scenario: A correlation ID finds the events of every aggregate that carries it
    Given events with correlation ID "workflow-123" exist in multiple aggregates
    When I query events by correlation ID "workflow-123"
    Then I should receive events from all correlated aggregates

  Scenario: An unknown correlation ID finds nothing
    When I query events by correlation ID "nonexistent-correlation"
    Then I should receive no events

  # The 0.5.1 query service never returns snapshots: the full history comes back.
  Scenario: A query returns the full history even when a snapshot exists
    Given an aggregate "orders" with root "order-010" has a snapshot at sequence 5 and 10 events
    When I query events for "orders" root "order-010"
    Then I should receive an EventBook with 10 events
    And the EventBook should not include a snapshot
    And events should be in sequence order 0 to 9
    And a command refused for a stale sequence reports the snapshot at sequence 5 and the events after it

  Scenario: A query without a domain is refused
    When I query events with empty domain
    Then the operation should fail with invalid argument error

  Scenario: An unreachable query service gives a connection error
    Given the query service is unavailable
    When I attempt to query events
    Then the operation should fail with connection error
