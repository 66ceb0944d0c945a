Feature: Decoding event payloads
  Event payloads are google.protobuf.Any values. They decode by exact full type name,
  whatever the URL prefix; another type decodes to nothing, corrupt bytes to an error.

  Scenario: An event decodes to its own type with its data
    Given an "OrderCreated" event packed with data "customer-42"
    When I decode it as "OrderCreated"
    Then the decoded message has data "customer-42"

  Scenario: Decoding as another type gives nothing and no error
    Given an "ItemAdded" event packed with data "sku-1"
    When I decode it as "OrderCreated"
    Then nothing is decoded

  Scenario: Only the full type name matches
    Given an "OrderCreated" event packed with data "customer-1"
    Then the event is of type "examples.orders.OrderCreated"
    And the event is not of type "OrderCreated"
    And the event is not of type "examples.orders.ordercreated"

  Scenario: The framework's type URL prefix matches like the SDK prefix
    Given an "OrderCreated" event packed with data "customer-2" under the prefix "type.angzarr.io/"
    When I decode it as "OrderCreated"
    Then the decoded message has data "customer-2"

  Scenario: Empty bytes decode to the default message
    Given an "OrderCreated" event with empty bytes
    When I decode it as "OrderCreated"
    Then the decoded message has every field at its default

  Scenario: Corrupt bytes are a decode error naming the type
    Given an "OrderCreated" event with corrupt bytes
    When I decode it as "OrderCreated"
    Then decoding fails with an error naming "examples.orders.OrderCreated"

  Scenario: The events of a real response decode in order
    Given an AggregateClient connected to the test backend
    And an aggregate "orders" with root "order-d1" at sequence 1
    When I execute a command that produces 3 events
    Then the response events decode as "OrderValidated", "PaymentCaptured", "OrderConfirmed"

  Scenario: Events of one type can be picked out of a history
    Given a QueryClient connected to the test backend
    And an aggregate "orders" with root "order-d2" has 4 events
    When I query events for "orders" root "order-d2"
    Then 3 of the events decode as "ItemAdded"
    And 1 of the events decode as "OrderCreated"
