"""What we say to customers: the outbox every outbound message goes through, automated
messages and post-conversation surveys."""
