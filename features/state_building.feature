Feature: Building aggregate state from events
  A StateRouter folds an EventBook into state: snapshot first when the book has one, then
  the pages after it, one applier per event type. Unknown types are skipped; corrupt
  payloads fail. The book is never changed.

  Background:
    Given an order state built by a StateRouter with appliers for OrderCreated, ItemAdded and OrderShipped

  Scenario: An empty history gives the empty state
    When I build the state from an empty history
    Then the state has customer "" and 0 items and is not shipped

  Scenario: Events apply in sequence order
    When I build the state from these events:
      | sequence | event        | data       | quantity |
      | 0        | OrderCreated | customer-7 |          |
      | 1        | ItemAdded    | sku-1      | 2        |
      | 2        | ItemAdded    | sku-2      | 3        |
      | 3        | OrderShipped | street 1   |          |
    Then the state has customer "customer-7" and 5 items and is shipped

  Scenario: Event types without an applier are skipped
    When I build the state from these events:
      | sequence | event           | data       | quantity |
      | 0        | OrderCreated    | customer-8 |          |
      | 1        | PaymentCaptured | card       |          |
      | 2        | ItemAdded       | sku-1      | 4        |
    Then the state has customer "customer-8" and 4 items and is not shipped

  Scenario: A snapshot is the starting point and covered pages are skipped
    When I build the state from a snapshot at sequence 5 with customer "customer-s" and 10 items and these events:
      | sequence | event     | data  | quantity |
      | 4        | ItemAdded | sku-4 | 100      |
      | 5        | ItemAdded | sku-5 | 100      |
      | 6        | ItemAdded | sku-6 | 1        |
      | 7        | ItemAdded | sku-7 | 2        |
    Then the state has customer "customer-s" and 13 items and is not shipped

  Scenario: A corrupt payload fails the build
    When I build the state from an "ItemAdded" event with corrupt bytes
    Then building fails with a decode error naming "examples.orders.ItemAdded"

  Scenario: A snapshot of another type is refused
    When I build the state from a snapshot holding a "StockReserved"
    Then building fails with an invalid argument error

  Scenario: Building leaves the book unchanged and returns a new state each time
    When I build the state twice from these events:
      | sequence | event        | data       | quantity |
      | 0        | OrderCreated | customer-9 |          |
      | 1        | ItemAdded    | sku-1      | 1        |
    Then the book is unchanged
    And the two states are equal but not the same object

  Scenario Outline: The next sequence follows the last page, else the snapshot
    When I compute the next sequence of a book with <pages> and <snapshot>
    Then the next sequence is <next>

    Examples:
      | pages          | snapshot         | next |
      | no pages       | no snapshot      | 0    |
      | pages 0 to 4   | no snapshot      | 5    |
      | no pages       | snapshot at 10   | 11   |
      | pages 6 to 8   | snapshot at 5    | 9    |

  Scenario: The state of a stored aggregate is rebuilt from its queried history
    Given a QueryClient connected to the test backend
    And an aggregate "orders" with root "order-sb" has 4 events
    When I query events for "orders" root "order-sb"
    And I build the state from the received events
    Then the state has 3 items
