Feature: Recording external facts on aggregates
  Facts are events that happened elsewhere. HandleEvent stores them at the aggregate's next
  sequences without a sequence check and without asking the handler (unless routed), and an
  external ID makes an injection idempotent.

  Background:
    Given an AggregateClient connected to the test backend

  Scenario: A fact lands at the next sequence and later commands continue after it
    Given an aggregate "orders" with root "order-f1" at sequence 3
    When I inject a "ItemAdded" fact with external ID "shipment-1" into "orders" root "order-f1"
    Then the fact is stored at sequence 3
    And the fact response says it was not processed before
    And every stored fact carries a created_at timestamp
    When I execute a "AddItem" command at sequence 4
    Then the command should succeed
    And the response should contain events starting at sequence 4

  Scenario: Several facts of one injection take consecutive sequences
    Given an aggregate "orders" with root "order-f2" at sequence 1
    When I inject 3 "ItemAdded" facts with external ID "batch-1" into "orders" root "order-f2"
    Then the facts are stored at sequences 1, 2, 3
    And the aggregate "orders" root "order-f2" holds 4 events

  Scenario: Injecting the same external ID again stores nothing new
    Given an aggregate "orders" with root "order-f3" at sequence 1
    When I inject a "ItemAdded" fact with external ID "payment-7" into "orders" root "order-f3"
    And I inject a "ItemAdded" fact with external ID "payment-7" into "orders" root "order-f3"
    Then the fact response says it was processed before
    And the fact response returns the page first stored at sequence 1
    And the aggregate "orders" root "order-f3" holds 2 events

  Scenario: A fact needs no existing aggregate and no expected sequence
    Given no aggregate exists for domain "orders" root "order-f4"
    When I inject a "OrderCreated" fact with external ID "import-1" into "orders" root "order-f4"
    Then the fact is stored at sequence 0
    And the aggregate "orders" root "order-f4" holds 1 events

  Scenario: Events without an external-deferred marker are refused as facts
    Given no aggregate exists for domain "orders" root "order-f5"
    When I inject events with explicit sequences as facts into "orders" root "order-f5"
    Then the injection should fail with invalid argument error
    And the aggregate "orders" root "order-f5" holds 0 events

  Scenario: A fact injection without an external ID is refused by the client
    When I inject a "ItemAdded" fact without external ID into "orders" root "order-f6"
    Then the error should be an invalid argument error
    And the error message mentions "externalId"
