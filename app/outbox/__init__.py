"""The outbox: every email queued, claimed as a lease, built and sent by the worker."""
