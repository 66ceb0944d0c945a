Feature: Contract: event decoding
  The shared event_decoding contract's phrasings, run against the SDK's Any helpers
  (packAny, unpackAny, anyIs), its page helpers and PayloadDecodeError. Type matching is by
  full message name whatever the URL prefix, so a short name like "OrderCreated" does not
  match: our documented decision (the project's and parity's), where core's contract matched
  by suffix.

  Scenario: An event whose type URL names the type decodes as that type
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    And valid protobuf bytes for OrderCreated
    When I decode the event as OrderCreated
    Then decoding should succeed
    And I should get an OrderCreated message

  Scenario: Decoding by full message name ignores the type URL's prefix
    Given an event with type_url "custom.example.org/examples.orders.OrderCreated"
    When I decode looking for suffix "examples.orders.OrderCreated"
    Then decoding should succeed
    And the full type_url prefix should be ignored

  Scenario: A short type name is not a full message name and decodes nothing
    Given an event with type_url ending in "examples.orders.OrderCreated"
    When I decode looking for suffix "OrderCreated"
    Then decoding should return None/null
    And no error should be raised

  Scenario: Decoding as another type returns nothing and raises nothing
    Given an event with type_url "type.googleapis.com/examples.orders.ItemAdded"
    When I decode the event as OrderCreated
    Then decoding should return None/null
    And no error should be raised

  Scenario: An EventPage keeps its sequence
    Given an EventPage at sequence 5
    When I decode
    Then event.sequence should be 5

  Scenario: An EventPage keeps its creation time
    Given an EventPage with timestamp
    When I decode
    Then event.created_at should be a valid timestamp
    And the timestamp should be parseable

  Scenario: An inline event is the Event variant holding the Any
    Given an EventPage with Event payload
    When I decode
    Then event.payload should be Event variant
    And the Event should contain the Any wrapper

  Scenario: An offloaded event is a PayloadReference with its storage details
    Given an EventPage with offloaded payload
    When I decode
    Then event.payload should be PayloadReference variant
    And the reference should contain storage details

  Scenario: A whole type URL matches itself
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I match against "type.googleapis.com/examples.orders.OrderCreated"
    Then the match should succeed

  Scenario: A whole type URL with another prefix does not match
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I match against "type.angzarr.io/examples.orders.OrderCreated"
    Then the match should fail

  Scenario: The full message name matches under any prefix
    Given an event with type_url "custom.example.org/examples.orders.OrderCreated"
    When I match against suffix "examples.orders.OrderCreated"
    Then the match should succeed

  Scenario: Matching is case-sensitive
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I match against suffix "examples.orders.ordercreated"
    Then the match should fail

  Scenario: A bare type name does not match (full names only)
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I match against suffix "OrderCreated"
    Then the match should fail

  Scenario: Versioned type names select one version
    Given events with type_urls:
      | type_url                                              |
      | type.googleapis.com/examples.orders.OrderCreatedV1    |
      | type.googleapis.com/examples.orders.OrderCreatedV2    |
      | type.googleapis.com/examples.orders.OrderCreated      |
    When I match against "examples.orders.OrderCreatedV1"
    Then only the v1 event should match

  Scenario: Valid bytes decode into every field
    Given an event with properly encoded payload
    When I decode the payload bytes
    Then the protobuf message should deserialize correctly
    And all fields should be populated

  Scenario: Empty bytes decode into a default message
    Given an event with empty payload bytes
    When I decode the payload bytes
    Then no error should occur (empty protobuf is valid)
    And the message should have default values

  Scenario: Corrupted bytes fail to decode with a decode error
    Given an event with corrupted payload bytes
    When I attempt to decode
    Then decoding should fail
    And an error should indicate deserialization failure

  Scenario: A page without a payload decodes to nothing
    Given an EventPage with payload = None
    When I decode the payload
    Then decoding should return None/null
    And no crash should occur

  Scenario: An Any with an empty value is a default message
    Given an Event Any with empty value
    When I decode
    Then the result should be a default message
    And no error should occur

  Scenario: The decode-by-name helper returns the message only for its type
    Given the decode_event<T>(event, type_suffix) function
    And an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I call decode_event(event, "examples.orders.OrderCreated")
    Then if type matches, Some(T) is returned
    And if type doesn't match, None is returned

  Scenario: The events of a real command response are its pages
    Given a CommandResponse with events
    When I call events_from_response(response)
    Then I should get a slice/list of EventPages

  Scenario: A response without events gives an empty list
    Given a CommandResponse with no events
    When I call events_from_response(response)
    Then I should get an empty slice/list

  Scenario: A batch of events of one type all decode
    Given 5 events all of type "ItemAdded"
    When I decode each as ItemAdded
    Then all 5 should decode successfully
    And each should have correct data

  Scenario: Mixed events decode each as its own type
    Given events: OrderCreated, ItemAdded, ItemAdded, OrderShipped
    When I decode by type
    Then OrderCreated should decode as OrderCreated
    And ItemAdded events should decode as ItemAdded
    And OrderShipped should decode as OrderShipped

  Scenario: Filtering by type keeps only that type
    Given events: OrderCreated, ItemAdded, ItemAdded, OrderShipped
    When I filter for "examples.orders.ItemAdded" events
    Then I should get 2 events
    And both should be ItemAdded type
