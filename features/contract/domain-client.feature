Feature: Contract: domain client
  The shared domain-client contract's phrasings, run against the SDK's real DomainClient on
  the test backend's coordinator: one object and one channel for a domain's commands and
  queries. The shared file's domain "test" is our "orders" domain.

  Background:
    Given a running aggregate coordinator for domain "orders"
    And a registered aggregate handler for domain "orders"

  Scenario: A DomainClient offers both queries and commands
    When I create a DomainClient for the coordinator endpoint
    Then I should be able to query events
    And I should be able to send commands

  Scenario: The command builder of a DomainClient sends a command
    Given a connected DomainClient
    When I use the command builder to send a command
    Then I should receive a CommandResponse

  Scenario: The query builder of a DomainClient fetches an aggregate's events
    Given an aggregate "orders" with root "order-dc1" has 5 events
    When I create a DomainClient for domain "orders"
    And I use the query builder to fetch events for that root
    Then I should receive 5 EventPages

  Scenario: Reads and writes share one connection
    Given a connected DomainClient
    When I send a command
    And I query for the resulting events
    Then both operations should succeed on the same connection

  Scenario: A closed DomainClient refuses further calls
    Given a connected DomainClient
    When I close the DomainClient
    Then subsequent commands should fail with ConnectionError
    And subsequent queries should fail with ConnectionError

  Scenario: A DomainClient from an environment variable
    Given environment variable "TEST_DOMAIN_ENDPOINT" is set to the coordinator endpoint
    When I create a DomainClient from environment variable "TEST_DOMAIN_ENDPOINT"
    Then the DomainClient should be connected
