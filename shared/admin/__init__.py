"""The admin's use cases beyond accounts: queues, workstreams and agents, the routing dry run,
and poison messages."""
