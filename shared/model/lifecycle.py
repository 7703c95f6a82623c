"""The conversation state machine: open → active → waiting → wrapup → closed.

- open: routed (or being routed) and waiting for an agent, or offered for picking;
- active: with an agent, holding the agent's capacity;
- waiting: parked by the agent for an async reply; capacity released; the customer writing
  again revives it;
- wrapup: the agent is finishing notes; capacity still held (a capacity profile's item too,
  unless its blockAssignmentDuringWrapUp frees it: never at once, fixed after a duration);
- closed: final. A customer who writes after this gets a new conversation.

Every change is a conditional write on the conversation's ETag, so two workers never both
apply a transition; this table says which transitions exist at all.
"""

from __future__ import annotations

from shared.core.errors import IllegalTransitionError
from shared.model.conversations import ConversationState

S = ConversationState

TRANSITIONS: dict[ConversationState, frozenset[ConversationState]] = {
    S.OPEN: frozenset({S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.WAITING, S.WRAPUP, S.CLOSED, S.OPEN}),  # OPEN: transferred to a queue
    S.WAITING: frozenset({S.ACTIVE, S.WRAPUP, S.CLOSED, S.OPEN}),
    S.WRAPUP: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

HOLDS_CAPACITY = frozenset({S.ACTIVE, S.WRAPUP})


def check_transition(current: ConversationState, wanted: ConversationState) -> None:
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransitionError(
            f"a conversation that is {current.value} cannot become {wanted.value}"
        )
