Feature: Reaching the coordinator
  Clients accept host:port, http:// and unix: endpoints, read endpoints from the
  environment, share channels, and report unreachable or lost servers as connection errors.
  (TLS settings are covered by unit tests; an https:// endpoint is checked here only for
  refusing to fall back to plaintext.)

  Scenario Outline: The backend is reachable as <form>
    When I connect a QueryClient to the backend written as "<form>"
    And I query through it
    Then the query through it succeeds

    Examples:
      | form                     |
      | <host>:<port>            |
      | http://<host>:<port>     |

  Scenario: An https endpoint never falls back to plaintext
    When I connect a QueryClient to the backend written as "https://<host>:<port>"
    And I query through it
    Then the operation should fail with connection error

  Scenario: A Unix domain socket endpoint
    When I connect a QueryClient over a Unix socket forwarding to the backend
    And I query through it
    Then the query through it succeeds

  Scenario: A closed port gives a connection error
    When I connect a QueryClient to a closed port
    And I query through it
    Then the operation should fail with connection error
    And the error message should describe the connection failure

  Scenario: A host that does not resolve gives a connection error
    When I connect a QueryClient to "nonexistent.invalid:1310"
    And I query through it
    Then the operation should fail with connection error

  Scenario: A Unix socket that does not exist gives a connection error
    When I connect a QueryClient to "unix:///tmp/angzarr-conformance-missing.sock"
    And I query through it
    Then the operation should fail with connection error

  Scenario Outline: A malformed endpoint is refused when the client is made
    When I connect a QueryClient to "<endpoint>"
    Then the error should be an invalid argument error

    Examples:
      | endpoint             |
      | not a valid endpoint |
      | localhost:99999      |
      | ftp://localhost:1310 |

  Scenario: An endpoint from the environment wins over the fallback
    Given the environment variable "ANGZARR_TEST_ENDPOINT" holds the backend endpoint
    When I connect a QueryClient from "ANGZARR_TEST_ENDPOINT" with fallback "localhost:9999"
    Then the client talks to the backend

  Scenario: An unset variable falls back
    Given the environment variable "ANGZARR_TEST_ENDPOINT" is unset
    When I connect a QueryClient from "ANGZARR_TEST_ENDPOINT" with fallback "localhost:9999"
    Then the client talks to "localhost:9999"

  Scenario: An empty variable falls back
    Given the environment variable "ANGZARR_TEST_ENDPOINT" is empty
    When I connect a QueryClient from "ANGZARR_TEST_ENDPOINT" with the backend as fallback
    Then the client talks to the backend

  Scenario: Clients built on one channel share it
    When an AggregateClient and a QueryClient are built on one channel
    Then both work through that channel
    And closing the borrowing client leaves the channel usable

  @needs-faults
  Scenario: A connection lost between calls fails the next call with a connection error
    When a QueryClient has queried the backend through a proxy
    And the proxy goes away
    Then the next query fails with a connection error

  Scenario: A new client succeeds once the server is up
    When a client to a closed port has failed
    And a server starts listening on that port
    Then a new client to that port succeeds

  Scenario: Waiting for readiness on an unreachable endpoint ends in time
    When I wait for a client to a closed port to be ready within 500ms
    Then waiting fails with a connection error within 3000ms

  Scenario: One Client offers commands, queries and speculation on one channel
    When I connect a Client to the backend
    Then the Client's command, query and speculative clients share its channel
    And a domain client from the Client can write and read an "orders" aggregate
