Feature: Contract: Connection
  The shared connection phrasings against real connections. Endpoints name the test backend
  (<backend>, <host>, <port>), a port where nothing listens (<closed-port>) or a path in the
  scenario's temp dir (<tmp>). Our clients connect lazily, so "connect" here means create the
  client and make one query through it.

  Scenario: host:port
    When I connect to "<backend>"
    Then the connection should succeed
    And the client should be ready for operations

  Scenario: An http:// endpoint is plaintext
    When I connect to "http://<host>:<port>"
    Then the connection should succeed
    And the scheme should be treated as insecure

  Scenario: An https:// endpoint insists on TLS
    When I connect to "https://<host>:<port>"
    Then the connection should use TLS

  Scenario: An unresolvable host
    When I connect to "nonexistent.invalid:1310"
    Then the connection should fail
    And the error should indicate DNS or connection failure

  Scenario: A closed port
    When I connect to "127.0.0.1:<closed-port>"
    Then the connection should fail
    And the error should indicate connection refused

  Scenario: A Unix socket by path
    Given a Unix socket at "<tmp>/angzarr.sock"
    When I connect to "<tmp>/angzarr.sock"
    Then the connection should succeed
    And the client should use UDS transport

  Scenario: A Unix socket by unix:// scheme
    Given a Unix socket at "<tmp>/angzarr.sock"
    When I connect to "unix://<tmp>/angzarr.sock"
    Then the connection should succeed
    And the client should use UDS transport

  Scenario: A missing Unix socket
    When I connect to "unix://<tmp>/nonexistent.sock"
    Then the connection should fail
    And the error should indicate socket not found

  Scenario: The endpoint from an environment variable
    Given environment variable "ANGZARR_C_ENDPOINT" set to "<backend>"
    When I call from_env("ANGZARR_C_ENDPOINT", "127.0.0.1:<closed-port>")
    Then the connection should use "<backend>"

  Scenario: An unset environment variable gives the fallback
    Given environment variable "ANGZARR_C_ENDPOINT" is not set
    When I call from_env("ANGZARR_C_ENDPOINT", "<backend>")
    Then the connection should use "<backend>"

  Scenario: An empty environment variable gives the fallback
    Given environment variable "ANGZARR_C_ENDPOINT" set to ""
    When I call from_env("ANGZARR_C_ENDPOINT", "<backend>")
    Then the connection should use "<backend>"

  Scenario: A client on an existing channel
    Given an existing gRPC channel
    When I call from_channel(channel)
    Then the client should reuse that channel
    And no new connection should be created

  Scenario: Two clients share one channel
    Given an existing gRPC channel
    When I create QueryClient from the channel
    And I create AggregateClient from the same channel
    Then both clients should share the connection
    And the connection should only be established once

  Scenario: A QueryClient queries events
    When I create a QueryClient connected to "<backend>"
    Then the client should be able to query events

  Scenario: An AggregateClient executes commands
    When I create an AggregateClient connected to "<backend>"
    Then the client should be able to execute commands

  Scenario: A SpeculativeClient speculates
    When I create a SpeculativeClient connected to "<backend>"
    Then the client should be able to perform speculative operations

  Scenario: A DomainClient combines commands and queries
    When I create a DomainClient connected to "<backend>"
    Then the client should have aggregate and query sub-clients
    And both should share the same connection
    And the client should be able to execute commands
    And the client should be able to query events

  Scenario: A Client combines every operation
    When I create a Client connected to "<backend>"
    Then the client should have aggregate, query, and speculative sub-clients
    And the client should be able to perform speculative operations

  Scenario: A connect timeout against a server that does not answer
    When I connect with timeout of 1 seconds
    Then the connection should respect the timeout
    And slow connections should fail after timeout

  Scenario: Keep-alive probes on an idle connection
    When I connect with keep-alive enabled
    Then the connection should send keep-alive probes
    And idle connections should remain open

  Scenario: A malformed endpoint
    When I connect to "not a valid endpoint"
    Then the connection should fail
    And the error should indicate invalid format

  Scenario: The server disconnects during an operation
    Given an established connection
    When the server disconnects
    And I attempt an operation
    Then the operation should fail
    And the error should indicate connection lost

  Scenario: A new client after a failed connection
    Given a connection that failed
    When I create a new client with the same endpoint
    Then the new connection should be independent
    And the new connection should succeed if server is available
