Feature: Contract: Compensation of rejected saga and process manager commands
  When a target aggregate refuses a command a saga or process manager emitted, the framework
  builds a Notification carrying a RejectionNotification {rejected_command, rejection_reason},
  addressed to the aggregate whose event caused the command (the command's angzarr_deferred
  origin), and the SDK reads it as a CompensationContext. The saga and process manager, the
  refusing aggregate and the compensating aggregate are the SDK's own routers, in-process; the
  last scenario delivers the notification through the coordinator's HandleCompensation.

  Background:
    Given a compensation handling context

  Scenario: A context from a rejected saga command carries the command, the reason and the origin
    Given a saga command that was rejected
    When I build a CompensationContext
    Then the context should include the rejected command
    And the context should include the rejection reason
    And the context should include the saga origin

  Scenario: The saga origin names the triggering aggregate and event
    Given a saga "order-fulfillment" triggered by "orders" aggregate at sequence 5
    And the saga command was rejected
    When I build a CompensationContext
    Then the triggering_aggregate should be "orders"
    And the triggering_event_sequence should be 5
    And the context should include the saga origin

  Scenario: The correlation ID of the saga command is kept
    Given a saga command with correlation ID "workflow-123"
    And the command was rejected
    When I build a CompensationContext
    Then the context correlation_id should be "workflow-123"

  Scenario: A RejectionNotification carries the rejected command and the reason
    Given a CompensationContext for rejected command
    When I build a RejectionNotification
    Then the notification should include the rejected command
    And the notification should include the rejection reason

  Scenario: The source aggregate is the rejected command's origin
    Given a CompensationContext from "orders" aggregate at sequence 5
    When I build a RejectionNotification
    Then the source_aggregate should have domain "orders"
    And the source_event_sequence should be 5

  Scenario: The Notification wraps the RejectionNotification with the framework's type URL
    Given a CompensationContext from saga "order-fulfillment"
    When I build a Notification from the context
    Then the notification should have a cover
    And the notification payload should contain RejectionNotification
    And the payload type_url should be "type.angzarr.io/angzarr.RejectionNotification"

  Scenario: The Notification records when it was sent
    Given a CompensationContext for rejected command
    When I build a Notification from a CompensationContext
    Then the notification should have a sent_at timestamp
    And the timestamp should be recent

  Scenario: The notification CommandBook goes to the source aggregate
    Given a CompensationContext for rejected command
    When I build a notification CommandBook
    Then the command book should target the source aggregate
    And the command book should have MERGE_COMMUTATIVE strategy
    And the command book should preserve correlation ID

  Scenario: The notification CommandBook cover names the source domain and root
    Given a CompensationContext from "orders" aggregate root "order-123"
    When I build a notification CommandBook
    Then the command book cover should have domain "orders"
    And the command book cover should have root "order-123"

  Scenario: The rejection reason is kept exactly
    Given a command rejected with reason "insufficient_funds"
    When I build a RejectionNotification
    Then the rejection_reason should be "insufficient_funds"

  Scenario: A structured rejection reason is kept whole
    Given a command rejected with structured reason
    When I build a RejectionNotification
    Then the rejection_reason should contain the full error details

  Scenario: The rejected command is kept field by field
    Given a saga command with specific payload
    And the command was rejected
    When I build a RejectionNotification
    Then the rejected_command should be the original command
    And all command fields should be preserved

  Scenario: A rejection two saga hops away can be traced to the first event
    Given a nested saga scenario
    And an inner saga command was rejected
    When I build a CompensationContext
    Then the full saga origin chain should be preserved
    And root cause can be traced through the chain

  Scenario: A saga command refused with a precondition failure is compensated by its source
    Given a saga router handling rejections
    When a command execution fails with precondition error
    Then the router should build a CompensationContext
    And the router should emit a rejection notification

  Scenario: A process manager command refused by its target is compensated
    Given a process manager router
    When a PM command is rejected
    Then the router should build a CompensationContext
    And the context should include the rejection reason
