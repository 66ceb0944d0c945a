Feature: Contract: command builder
  The shared command_builder contract's phrasings, run against the SDK's real CommandBuilder
  and the client shortcuts. Building is local; executing goes to the test backend's
  coordinator. Where core's contract differs from our decisions: commandNew generates a v4
  root (parity's decision), and a command without a correlation ID is sent without one (the
  coordinator never generates one).

  Background:
    Given a mock GatewayClient for testing

  Scenario: A command with every field set
    When I build a command for domain "orders" root "order-001"
    And I set the command type to "CreateOrder"
    And I set the command payload
    Then the build should succeed
    And the built command should have domain "orders"
    And the built command should have root "order-001"
    And the built command should have type URL containing "CreateOrder"

  Scenario: A command for a new aggregate
    When I build a command for new aggregate in domain "orders"
    Then the build should succeed
    And the built command should have domain "orders"
    And the built command should have sequence 0

  Scenario: A command without a root is refused at build time
    When I build a command for domain "orders"
    And I set the command type and payload
    Then I should receive a CommandBuilder with no root set
    And building should fail
    And the built command should have no root

  Scenario: Without a correlation ID the command carries none
    When I build a command for domain "orders" root "order-002"
    And I set the command type and payload
    Then the build should succeed
    And the built command should have correlation ID ""

  Scenario: A UUID correlation ID is kept
    When I build a command for domain "orders" root "order-003"
    And I set the command type and payload
    And I set correlation ID to "6f1c2a9e-4b7d-4c1e-9a3f-2d8b5e7c1a90"
    Then the built command should have a non-empty correlation ID
    And the correlation ID should be a valid UUID

  Scenario: An explicit correlation ID is kept
    When I build a command for domain "orders" root "order-004"
    And I set the command type and payload
    And I set correlation ID to "trace-123"
    Then the built command should have correlation ID "trace-123"

  Scenario: An explicit sequence is kept
    When I build a command for domain "orders" root "order-005"
    And I set the command type and payload
    And I set sequence to 5
    Then the built command should have sequence 5

  Scenario: The sequence defaults to 0
    When I build a command for domain "orders" root "order-006"
    And I set the command type and payload
    Then the built command should have sequence 0

  Scenario: A payload without a type is refused
    When I build a command for domain "orders" root "order-007"
    And I set the command payload
    But I do NOT set the command type
    Then building should fail
    And the error should indicate missing type URL

  Scenario: A type without a payload is refused
    When I build a command for domain "orders" root "order-008"
    And I set the command type to "CreateOrder"
    But I do NOT set the payload
    Then building should fail
    And the error should indicate missing payload

  Scenario: A fluent chain keeps every value
    When I build a command using fluent chaining:
      """
      client.command("orders", "order-009")
        .with_correlation_id("trace-456")
        .with_sequence(3)
        .with_merge_strategy(STRICT)
        .with_command("CreateOrder", payload)
        .build()
      """
    Then the build should succeed
    And all chained values should be preserved

  Scenario: Commands made for one domain do not share state
    Given a builder configured for domain "orders"
    When I create two commands with different roots
    Then each command should have its own root
    And builder reuse should not cause cross-contamination

  Scenario: Build and execute sends the command
    When I build and execute a command for domain "orders"
    Then the command should be sent to the gateway
    And the response should be returned

  Scenario: execute() builds and sends in one call
    When I use the builder to execute directly:
      """
      client.command_new("orders")
        .with_command("CreateOrder", payload)
        .execute()
      """
    Then the command should be built and executed in one call

  Scenario: The merge strategy defaults to commutative
    When I build a command without specifying merge strategy
    Then the command page should have MERGE_COMMUTATIVE strategy

  Scenario: An explicit STRICT merge strategy is kept
    When I build a command with merge strategy STRICT
    Then the command page should have MERGE_STRICT strategy

  Scenario: client.command starts a builder for a domain and root
    Given a CommandHandlerClient implementation
    When I call client.command("orders", root)
    Then I should receive a CommandBuilder for that domain and root

  Scenario: client.command_new starts a builder for a generated root
    Given a CommandHandlerClient implementation
    When I call client.command_new("orders")
    Then I should receive a CommandBuilder for that domain and root

  Scenario: client.query through a QueryClient starts a builder for a domain and root
    Given a mock QueryClient for testing
    And an aggregate "orders" with root "order-q1"
    When I call client.query("orders", root)
    Then I should receive a QueryBuilder for that domain and root

  Scenario: client.query_domain starts a query builder with no root
    Given a QueryClient implementation
    When I call client.query_domain("orders")
    Then I should receive a QueryBuilder with no root set
