Feature: Contract: state building
  The shared state_building contract's phrasings, run against the SDK's StateRouter (rebuild
  from a book with or without a snapshot, applySingle for one event) and nextSequence. The
  router's appliers are the application's: OrderCreated sets the customer (the contract's
  order_id), ItemAdded adds its quantity to itemCount ("the field"), OrderShipped returns a
  new state.

  Scenario: An empty book gives the default state
    Given an aggregate type with default state
    And an empty EventBook
    When I build state from the EventBook
    Then the state should be the default state
    And no events should be applied

  Scenario: A book without events gives the default state
    Given an aggregate type with default state
    And an EventBook
    And no events in the EventBook
    When I build state from events
    Then the state should be the default state
    And no events should have been applied

  Scenario: One OrderCreated event sets the order's customer
    Given an EventBook with 1 event of type "OrderCreated"
    When I build state from the EventBook
    Then the state should have order_id set
    And the state should reflect the OrderCreated event

  Scenario: Several events build up the state
    Given an EventBook with events:
      | sequence | type         | data   | quantity |
      | 0        | OrderCreated | cust-1 |          |
      | 1        | ItemAdded    | sku-1  | 1        |
      | 2        | ItemAdded    | sku-2  | 1        |
    When I build state from the EventBook
    Then the built state should have 2 items
    And the state should reflect all 3 events

  Scenario: Events are applied in book order
    Given an EventBook with events in order: A, B, C
    When I build state from the EventBook
    Then events should be applied as A, then B, then C
    And final state should reflect the correct order

  Scenario: A snapshot alone is the state
    Given an EventBook with snapshot at sequence 5 and no events
    When I build state from the EventBook
    Then the state should equal the snapshot state

  Scenario: A snapshot plus later events applies only the later events
    Given an EventBook with:
      | snapshot | 5          |
      | events   | 6, 7, 8, 9 |
    When I build state from the EventBook
    Then the state should start from snapshot
    And only events 6, 7, 8, 9 should be applied

  Scenario: Pages the snapshot covers are skipped
    Given an EventBook with a snapshot at sequence 5
    And an EventBook with events:
      | sequence | type      | quantity |
      | 3        | ItemAdded | 1        |
      | 4        | ItemAdded | 1        |
      | 6        | ItemAdded | 1        |
      | 7        | ItemAdded | 1        |
    When I build state from the EventBook
    Then events at seq 3 and 4 should NOT be applied
    And only events at seq 6 and 7 should be applied

  Scenario: An event of an unknown type is skipped
    Given an EventBook with an event of unknown type
    When I build state from the EventBook
    Then the unknown event should be skipped
    And no error should occur
    And other events should still be applied

  Scenario: Applying one event changes the field
    Given initial state with field value 5
    And an event that increments field by 10
    When I apply the event to state
    Then the field should equal 15

  Scenario: Applying several events accumulates
    Given events that increment by 5, 3, and 2
    When I apply all events to state
    Then the field should equal 10

  Scenario: The applier receives the event unpacked from its Any
    Given an event with type_url "type.googleapis.com/examples.orders.ItemAdded"
    When I apply the event
    Then the Any wrapper should be unpacked
    And the typed event should be applied

  Scenario: The type URL selects the applier
    Given an event with type_url "type.googleapis.com/examples.orders.OrderCreated"
    When I apply the event
    Then the correct type handler should be invoked
    And the type_url suffix should match the handler

  Scenario: A corrupted payload fails the build
    Given an event with corrupted payload bytes
    When I attempt to build state
    Then an error should be raised

  Scenario: A missing field decodes as its default in TypeScript
    Given an event missing a required field
    When I attempt to build state
    Then either default value is used or error is raised
    And the behavior depends on language

  Scenario: The next sequence of an empty book is 0
    Given an EventBook with no events and no snapshot
    When I get next_sequence
    Then next_sequence should be 0

  Scenario: The next sequence follows the last event
    Given an EventBook with events up to sequence 4
    When I get next_sequence
    Then next_sequence should be 5

  Scenario: The next sequence follows a snapshot without events
    Given an EventBook with snapshot at sequence 10 and no events
    When I get next_sequence
    Then next_sequence should be 11

  Scenario: The next sequence follows the events after a snapshot
    Given an EventBook with snapshot at 5 and events up to 8
    When I get next_sequence
    Then next_sequence should be 9

  Scenario: Building state does not change the book
    Given an EventBook with events:
      | type         | data   |
      | OrderCreated | cust-9 |
      | ItemAdded    | sku-9  |
    When I build state from the EventBook
    Then the EventBook should be unchanged
    And the EventBook events should still be present

  Scenario: An applier that returns a new state leaves the original unchanged
    Given an existing state object
    And an event with type_url "type.googleapis.com/examples.orders.OrderShipped"
    When I apply the event
    Then a new state object should be returned
    And the original state should be unchanged

  Scenario: build_state unpacks each event and applies it
    Given a build_state function
    And events wrapped in google.protobuf.Any
    When I call build_state(state, events)
    Then _apply_event should be called for each
    And each event should be unpacked from Any
    And final state should be returned

  Scenario: _apply_event dispatches by type and mutates the state
    Given an _apply_event function
    And an existing state object
    And an event with type_url "type.googleapis.com/examples.orders.ItemAdded"
    When I call _apply_event(state, event_any)
    Then the event should be unpacked
    And state should be mutated
