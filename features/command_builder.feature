Feature: Building commands fluently
  client.command(domain, root) starts a CommandBuilder: it packs the command, checks every
  part before any call, and executes through the client it came from.

  Background:
    Given an AggregateClient connected to the test backend

  Scenario: A built command carries its domain, root, type and payload
    When I build a "CreateOrder" command for "orders" root "order-b1" with data "customer-9"
    Then the built command targets domain "orders" and root "order-b1"
    And the built command's type URL names "examples.orders.CreateOrder"
    And the built command's payload contains "customer-9"

  Scenario: The builder's defaults are sequence 0, COMMUTATIVE, ASYNC and no correlation ID
    When I build a "CreateOrder" command for "orders" root "order-b2" with data "customer-1"
    Then the built command expects sequence 0
    And the built command uses merge strategy MERGE_COMMUTATIVE
    And the built command uses sync mode SYNC_MODE_ASYNC
    And the built command has no correlation ID

  Scenario: Explicit settings are kept
    When I build a "AddItem" command for "orders" root "order-b3" at sequence 5 with correlation ID "trace-123", merge strategy MERGE_STRICT and sync mode SYNC_MODE_SIMPLE
    Then the built command expects sequence 5
    And the built command uses merge strategy MERGE_STRICT
    And the built command uses sync mode SYNC_MODE_SIMPLE
    And the built command has correlation ID "trace-123"

  Scenario: A command for a new aggregate gets a fresh random root
    When I start two commands for new "orders" aggregates
    Then each builder has a version 4 UUID root
    And the two roots differ

  Scenario: A builder without a command is refused before any call
    When I build a command without required fields
    Then the error should be an invalid argument error
    And the error message should describe what's missing

  Scenario Outline: Malformed parts are refused by the builder itself
    When I build a command with <part> "<value>"
    Then the error should be an invalid argument error
    And the error message mentions "<mention>"

    Examples:
      | part           | value     | mention              |
      | domain         | Orders    | lowercase            |
      | domain         |           | domain               |
      | root           | not-uuid  | root                 |
      | correlation ID | bad id!   | invalid characters   |
      | edition        | Branch    | lowercase            |

  Scenario: Build and execute in one chain
    Given a new aggregate root in domain "orders"
    When I execute a "CreateOrder" command with data "customer-chain"
    Then the command should succeed
    And the response should contain 1 event
    And the event should have type "OrderCreated"

  Scenario: A builder told to retry on sequence mismatch recovers from a stale sequence
    Given an aggregate "orders" with root "order-b4" at sequence 2
    When I execute a command at sequence 0 that retries on sequence mismatch up to 2 attempts
    Then the command should succeed
    And the response should contain events starting at sequence 2
