Feature: Client errors and their introspection
  Every failure reaches the caller as a ClientError with a category (connection,
  transport, gRPC, invalid argument, invalid timestamp), the gRPC status when there is
  one, predicates and a retry classification. The failures are produced for real: a
  closed port, a fault proxy, the coordinator's own checks, and the orders handler's
  FailWith command that answers with a chosen gRPC status.

  Scenario: An unreachable server gives a connection error
    Given the server is unreachable
    When I attempt a client operation
    Then the error should be a connection error
    And is_connection_error should return true
    And the error message should describe the connection failure

  @needs-faults
  Scenario: A connection dropped during a call gives a transport error
    Given the connection drops mid-request
    When I attempt a client operation
    Then the error should be a transport error
    And transport error should have is_connection_error true

  Scenario: A non-OK status from the server gives a gRPC error with its status
    Given the server returns a gRPC error
    When I attempt a client operation
    Then the error should be a gRPC error
    And the underlying Status should be accessible

  Scenario: A command built without its parts is refused before any call
    When I build a command without required fields
    Then the error should be an invalid argument error
    And ClientError::InvalidArgument should have is_invalid_argument true
    And the error message should describe what's missing

  Scenario: A query with a malformed timestamp is refused before any call
    When I build a query with invalid timestamp format
    Then the error should be an invalid timestamp error
    And the error message should indicate the format problem

  # The 0.5.1 coordinator answers an aggregate that was never written with an empty book,
  # never NOT_FOUND (docs/contract-differences.md). NOT_FOUND is what a coordinator routing several
  # domains answers for a command to a domain it has no route for.
  Scenario: An aggregate that does not exist reads as an empty history, not NOT_FOUND
    Given the aggregate does not exist
    When I query events for the aggregate
    Then I should receive no events

  @needs-multi-domain
  Scenario: A command for a domain without a route is NOT_FOUND
    When I execute a command to domain "nonexistent"
    Then is_not_found should return true
    And code should return NOT_FOUND

  Scenario: A stale sequence is a FAILED_PRECONDITION describing the lost race
    Given the server aggregate is at sequence 5
    When I execute a mock command at sequence 3
    Then is_precondition_failed should return true
    And code should return FAILED_PRECONDITION
    And the error indicates optimistic lock failure

  Scenario: A request the coordinator cannot accept is INVALID_ARGUMENT
    When I send a malformed request to the server
    Then is_invalid_argument should return true
    And code should return INVALID_ARGUMENT

  @needs-auth
  Scenario: A caller without a valid token is PERMISSION_DENIED
    Given the client lacks required permissions
    When I attempt a restricted operation
    Then code should return PERMISSION_DENIED
    And the error message should describe access denial

  Scenario: A failure inside the server is INTERNAL
    Given the server has an internal error
    When I attempt a client operation
    Then code should return INTERNAL
    And the error should indicate server-side failure

  @needs-faults
  Scenario: A call that outlives its deadline is DEADLINE_EXCEEDED
    Given the operation times out
    When I attempt a client operation
    Then code should return DEADLINE_EXCEEDED

  Scenario: Every client error has a descriptive message
    Given any client error
    When I call message() on the error
    Then I should get a non-empty string
    And the message should describe the error

  Scenario: A gRPC error reports its code
    Given a gRPC error with status NOT_FOUND
    When I call code() on the error
    Then I should get Some(NOT_FOUND)

  Scenario: A connection error has no gRPC code
    Given a connection error
    When I call code() on the error
    Then I should get None

  Scenario: A gRPC error exposes the whole status with its details
    Given a gRPC error with detailed status
    When I call status() on the error
    Then I should get the full gRPC Status
    And I can access the status code, message, and details

  Scenario: A client-side argument error has no gRPC status
    Given an invalid argument error
    When I call status() on the error
    Then I should get None

  Scenario: Only NOT_FOUND is not-found
    Given different error types
    Then NOT_FOUND gRPC error should have is_not_found true
    And connection error should have is_not_found false
    And INTERNAL gRPC error should have is_not_found false

  Scenario: Only FAILED_PRECONDITION is precondition-failed
    Given different error types
    Then FAILED_PRECONDITION gRPC error should have is_precondition_failed true
    And NOT_FOUND gRPC error should have is_precondition_failed false
    And connection error should have is_precondition_failed false

  Scenario: Invalid argument is recognised from the server and from the client
    Given different error types
    Then INVALID_ARGUMENT gRPC error should have is_invalid_argument true
    And ClientError::InvalidArgument should have is_invalid_argument true
    And NOT_FOUND gRPC error should have is_invalid_argument false

  @needs-faults
  Scenario: Connection and transport errors are connection errors, gRPC errors are not
    Given different error types
    Then connection error should have is_connection_error true
    And transport error should have is_connection_error true
    And gRPC error should have is_connection_error false

  Scenario: Errors say how they may be retried
    Given various error types
    Then connection errors should be retryable
    And UNAVAILABLE gRPC errors should be retryable
    And RESOURCE_EXHAUSTED should be retryable with backoff
    And INVALID_ARGUMENT should NOT be retryable
    And FAILED_PRECONDITION should be retryable after state refresh

  Scenario: A server's retry-after hint can be read from the error
    Given an error with retry-after metadata
    When I inspect the error details
    Then I should be able to extract retry timing hints

  Scenario: The string form names the error type and describes it
    Given a gRPC error with status PERMISSION_DENIED
    When I convert the error to string
    Then I should get a formatted error message
    And the message should include the error type and description

  Scenario: The debug form carries diagnostic detail
    Given a gRPC error with status UNAVAILABLE
    When I debug-format the error
    Then I should get detailed diagnostic information
