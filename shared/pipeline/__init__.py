"""The conversation pipeline: one module per storage queue, named after the queue, in the order a
message travels: ``inbound`` → ``bot`` → ``route`` → ``assign`` → ``outbound``, with ``media``
beside them."""
