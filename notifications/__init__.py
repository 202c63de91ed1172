"""Text messages: reminder policy, templates, senders, the outbox dispatcher and webhooks."""
