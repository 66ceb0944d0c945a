Feature: One DomainClient for reading and writing a domain
  A DomainClient holds one channel and offers commands, queries and speculation for one
  domain through command/query builders.

  Background:
    Given a DomainClient connected to the test backend

  Scenario: The same client writes an aggregate and reads it back
    When the domain client sends a "CreateOrder" command to a new aggregate
    Then the command should succeed
    And the response should contain 1 event
    When the domain client reads that aggregate
    Then I should receive an EventBook with 1 events

  Scenario: The query builder of a domain client reads an existing history
    Given an aggregate "orders" with root "dc-1" has 5 events
    When the domain client reads "dc-1" through its query builder
    Then I should receive an EventBook with 5 events
    And events should be in sequence order 0 to 4

  Scenario: Commands, queries and speculation share one channel
    Then its command, query and speculative clients share the domain client's channel

  Scenario: After close() commands and queries fail with a connection error
    When the domain client is closed
    Then commands and queries through it fail with a connection error

  Scenario: A domain client from an environment variable uses its endpoint
    Given the environment variable "ANGZARR_TEST_DOMAIN_ENDPOINT" holds the backend endpoint
    When I create a domain client for "orders" from "ANGZARR_TEST_DOMAIN_ENDPOINT" with an unreachable fallback
    Then the domain client can write and read an aggregate

  Scenario: Without the environment variable the fallback endpoint is used
    Given the environment variable "ANGZARR_TEST_DOMAIN_ENDPOINT" is unset
    When I create a domain client for "orders" from "ANGZARR_TEST_DOMAIN_ENDPOINT" with the backend as fallback
    Then the domain client can write and read an aggregate

  Scenario: A domain client on a borrowed channel leaves it open when closed
    When I create a domain client for "orders" on a channel of another client
    Then the domain client can write and read an aggregate
    And closing the domain client leaves the other client's channel open
