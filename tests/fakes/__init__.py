"""In-memory fakes of the store ports (shared/store), for service tests that need no Azurite.

Each fake has the public methods the route, assign, outbox and desk services call, with the
semantics they rely on: ETags (a write on a stale copy loses, as on Table storage), not-found,
duplicate keys, queue visibility and withdraw, the waiting line's order. The contract tests in
tests/integration/test_store_contracts.py run the same checks on each fake and on its real
adapter against Azurite, so a fake that drifts fails there.
"""
