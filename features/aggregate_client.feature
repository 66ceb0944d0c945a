Feature: Sending commands to aggregates through an AggregateClient
  An AggregateClient hands commands to the coordinator, which checks the expected
  sequence, asks the business handler for events, and stores them all or none.
  Every scenario talks to a real coordinator over gRPC; roots are unique per scenario.

  Background:
    Given an AggregateClient connected to the test backend

  Scenario: The first command on a fresh root records one event
    Given a new aggregate root in domain "orders"
    When I execute a "CreateOrder" command with data "customer-123"
    Then the command should succeed
    And the response should contain 1 event
    And the event should have type "OrderCreated"

  Scenario: A command at the current sequence continues the history
    Given an aggregate "orders" with root "order-001" at sequence 3
    When I execute a "AddItem" command at sequence 3
    Then the command should succeed
    And the response should contain events starting at sequence 3

  Scenario: The correlation ID of a command is carried by its events
    Given a new aggregate root in domain "orders"
    When I execute a command with correlation ID "trace-456"
    Then the command should succeed
    And the response events should have correlation ID "trace-456"

  Scenario: A command that expects an older sequence is refused
    Given an aggregate "orders" with root "order-003" at sequence 5
    When I execute a command at sequence 3
    Then the command should fail with precondition error
    And the error should indicate sequence mismatch

  Scenario: Of two writers racing for the same sequence exactly one wins
    Given an aggregate "orders" with root "order-002" at sequence 0
    When two commands are sent concurrently at sequence 0
    Then one should succeed
    And one should fail with precondition error

  Scenario: After a refusal the caller refreshes the sequence and retries
    Given an aggregate "orders" with root "order-004" at sequence 5
    When I execute a command at sequence 3
    Then the command should fail with precondition error
    When I query the current sequence for "orders" root "order-004"
    And I retry the command at the correct sequence
    Then the command should succeed

  @needs-projectors
  Scenario: An asynchronous command returns without projector output
    Given projectors are configured for "orders" domain
    And a new aggregate root in domain "orders"
    When I execute a command asynchronously
    Then the command should succeed
    And the response should return without waiting for projectors

  @needs-projectors
  Scenario: SIMPLE sync mode returns the projectors' results
    Given projectors are configured for "orders" domain
    And a new aggregate root in domain "orders"
    When I execute a command with sync mode SIMPLE
    Then the command should succeed
    And the response should include projector results

  # The orders -> inventory saga reacts to ItemAdded, so the order has to exist first
  # (the command sent to an existing order is AddItem).
  @needs-sagas
  Scenario: CASCADE sync mode returns after the sagas have run
    Given sagas are configured for "orders" domain
    And an aggregate "orders" with root "order-010" at sequence 1
    When I execute a command with sync mode CASCADE
    Then the command should succeed
    And the response should include downstream saga results

  Scenario: A payload the handler cannot decode is refused as invalid
    Given an aggregate "orders" with root "order-005"
    When I execute a command with malformed payload
    Then the command should fail with invalid argument error

  Scenario: A command missing a required field is refused and the field is named
    Given a new aggregate root in domain "orders"
    When I execute a command without required fields
    Then the command should fail with invalid argument error
    And the error message should describe the missing field

  # The real 0.5.1 sidecar serves one domain and forwards any well-formed domain to its
  # handler; only a coordinator routing several domains can refuse an unknown one.
  @needs-multi-domain
  Scenario: A command for a domain nobody serves is refused
    When I execute a command to domain "nonexistent"
    Then the command should fail
    And the error should indicate unknown domain

  Scenario: One command can produce several events on consecutive sequences
    Given an aggregate "orders" with root "order-006" at sequence 0
    When I execute a command that produces 3 events
    Then the command should succeed
    And the response should contain 3 events
    And events should have sequences 0, 1, 2

  Scenario: The events of one command are stored together
    Given an aggregate "orders" with root "order-007" at sequence 0
    When I execute a command that produces 3 events
    And I query events for "orders" root "order-007"
    Then I should see all 3 events or none

  Scenario: An unreachable coordinator gives a connection error
    Given the aggregate service is unavailable
    When I attempt to execute a command
    Then the aggregate operation should fail with connection error

  @needs-faults
  Scenario: A coordinator slower than the deadline gives a deadline error
    Given the aggregate service is slow to respond
    When I execute a command with timeout 100ms
    Then the operation should fail with timeout or deadline error

  Scenario: The first command at sequence 0 creates the aggregate
    Given no aggregate exists for domain "orders" root "order-new"
    When I execute a "CreateOrder" command for root "order-new" at sequence 0
    Then the command should succeed
    And the aggregate should now exist with 1 event

  Scenario: The first command of an aggregate must expect sequence 0
    Given no aggregate exists for domain "orders" root "order-new2"
    When I execute a "CreateOrder" command for root "order-new2" at sequence 5
    Then the command should fail with precondition error
