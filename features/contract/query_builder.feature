Feature: Contract: Query builder
  The shared query_builder phrasings against the SDK's QueryBuilder: setters and build()
  checked in-process, get_events/get_pages run against the test backend. Our builder needs a
  root unless a correlation id is set (build() refuses a query that names no aggregate).

  Background:
    Given a QueryClient connected to the test backend

  Scenario: Domain and root are set on the query
    When I build a query for domain "orders" root "order-001"
    Then the query build should succeed
    And the built query should have domain "orders"
    And the built query should have root "order-001"

  Scenario: A query without a root and without a correlation id is refused
    When I build a query for domain "orders" without root
    Then query building should fail

  Scenario: A range with only a lower bound
    When I build a query for domain "orders" root "order-001"
    And I set range from 10
    Then the built query should have range selection
    And the range lower bound should be 10
    And the range upper bound should be empty

  Scenario: A bounded range
    When I build a query for domain "orders" root "order-001"
    And I set range from 5 to 15
    Then the built query should have range selection
    And the range lower bound should be 5
    And the range upper bound should be 15

  Scenario: As of a sequence
    When I build a query for domain "orders" root "order-001"
    And I set as_of_sequence to 42
    Then the built query should have temporal selection
    And the point_in_time should be sequence 42

  Scenario: As of a time
    When I build a query for domain "orders" root "order-001"
    And I set as_of_time to "2024-01-15T10:30:00Z"
    Then the built query should have temporal selection
    And the point_in_time should be the parsed timestamp

  Scenario: A malformed time is refused at once
    When I build a query for domain "orders" root "order-001"
    And I set as_of_time to "not-a-timestamp"
    Then query building should fail
    And the error should indicate invalid timestamp

  Scenario: By correlation id, without a root
    When I build a query for domain "orders"
    And I set by_correlation_id to "workflow-123"
    Then the built query should have correlation ID "workflow-123"
    And the built query should have no root

  Scenario: An edition
    When I build a query for domain "orders" root "order-001"
    And I set edition to "test-branch"
    Then the built query should have edition "test-branch"

  Scenario: Without an edition the query reads the main timeline
    When I build a query for domain "orders" root "order-001"
    Then the built query should have no edition
    And the query should target main timeline

  Scenario: Fluent chaining keeps every value
    When I build a query using fluent chaining:
      """
      client.query("orders", "order-001").edition("test-branch").range(10).build()
      """
    Then all chained query values should be preserved
    And the built query should have edition "test-branch"
    And the range lower bound should be 10

  Scenario: The last selection wins
    When I build a query with:
      """
      client.query("orders", "order-001").range(5).as_of_sequence(10).build()
      """
    Then the query should have temporal selection (last set)
    And the range selection should be replaced
    And the point_in_time should be sequence 10

  Scenario: get_events runs the query and returns the EventBook
    Given an aggregate "orders" with root "order-q1" has 3 events
    When I build and get_events for domain "orders" root "order-q1"
    Then an EventBook should be returned
    And the query should be sent to the query service

  Scenario: get_pages returns only the pages
    Given an aggregate "orders" with root "order-q2" has 2 events
    When I build and get_pages for domain "orders" root "order-q2"
    Then only the event pages should be returned
    And the EventBook metadata should be stripped

  Scenario: client.query starts a builder for a domain and root
    Given an aggregate "orders" with root "order-q3"
    When I call client.query("orders", root)
    Then the built query should have domain "orders"
    And the built query should have root "order-q3"

  Scenario: client.query_domain starts a builder without a root
    When I call client.query_domain("orders")
    Then I can chain by_correlation_id
    And the built query should have no root
    And the built query should have domain "orders"
