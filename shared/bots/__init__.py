"""Bots in front of the agents: the built-in FAQ bot and webhook bots."""
