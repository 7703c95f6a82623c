"""The domain, pure: accounts, agents, conversations and their lifecycle, workstreams, queues,
routing rules and hours, bot and survey configuration. Nothing here reads or writes storage."""
