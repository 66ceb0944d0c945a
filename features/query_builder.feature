Feature: Building queries fluently
  client.query(domain, root) starts a QueryBuilder: one selection (range, sequences, as-of
  sequence or time), an edition or a correlation ID; setters check their arguments at once.

  Background:
    Given a QueryClient connected to the test backend

  Scenario: A query names its domain and root and reads the whole history by default
    When I build a query for "orders" root "q-1"
    Then the built query targets domain "orders" and root "q-1"
    And the built query has no selection
    And the built query reads the main timeline

  Scenario: A lower bound selects from that sequence on
    When I build a query for "orders" root "q-1" from sequence 10
    Then the built query selects sequences 10 to the end

  Scenario: A bounded range selects both bounds
    When I build a query for "orders" root "q-1" from sequence 5 to 15
    Then the built query selects sequences 5 to 15

  Scenario: As of a sequence
    When I build a query for "orders" root "q-1" as of sequence 42
    Then the built query is as of sequence 42

  Scenario: As of a time given in RFC 3339 with an offset
    When I build a query for "orders" root "q-1" as of time "2024-01-15T12:30:00+02:00"
    Then the built query is as of time "2024-01-15T10:30:00Z"

  Scenario: A malformed time is refused at once
    When I build a query with invalid timestamp format
    Then the error should be an invalid timestamp error
    And the error message should indicate the format problem

  Scenario: A correlation query needs no root
    When I build a query by correlation ID "workflow-123"
    Then the built query has correlation ID "workflow-123"
    And the built query has no root

  Scenario: An edition is carried by the query
    When I build a query for "orders" root "q-1" in edition "test-branch"
    Then the built query reads edition "test-branch"

  Scenario: The last selection wins
    When I build a query for "orders" root "q-1" from sequence 5 and then as of sequence 10
    Then the built query is as of sequence 10

  Scenario: An inverted range is refused
    When I build a query for "orders" root "q-1" from sequence 7 to 3
    Then the error should be an invalid argument error

  Scenario: Explicit sequences read exactly those events
    Given an aggregate "orders" with root "q-2" has 6 events
    When I query sequences 0, 2 and 5 of "orders" root "q-2"
    Then the received sequences are 0, 2, 5

  Scenario: Only the pages can be fetched
    Given an aggregate "orders" with root "q-3" has 4 events
    When I fetch the pages of "orders" root "q-3"
    Then 4 pages come back in sequence order

  Scenario: GetEvents streams the history of one aggregate
    Given an aggregate "orders" with root "q-4" has 3 events
    When I stream the events of "orders" root "q-4"
    Then 1 book with 3 events arrives
