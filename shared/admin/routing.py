"""The admin's use cases for queues, capacity profiles, workstreams and agents, with their
side effects: references checked, the availability index kept in step, waiting work drained
when capacity appears (an agent added to a queue, more capacity, a larger profile)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.bots.targets import BotTargets, RefusedTargetError
from shared.channel.registry import AccountRegistry
from shared.core.bearer_tokens import bearer_token_hash, new_bearer_token
from shared.core.errors import ConflictError, InvalidRequestError, not_found, unknown_reference
from shared.core.ids import short_id
from shared.core.schema import merged
from shared.model.agents import Agent, AgentFields, Presence
from shared.model.bots import WebhookBot
from shared.model.capacity_profiles import CapacityProfile, CapacityProfileFields
from shared.model.conversations import ConversationState, utc
from shared.model.queues import Queue, QueueFields
from shared.model.workstreams import Workstream, WorkstreamFields
from shared.pipeline.assign import AssignStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.documents import DocumentStore, DuplicateError
from shared.store.optimistic import ChangedError
from shared.store.sealed import SealedStore
from shared.store.work_items import AssignItem, RouteItem
from shared.store.work_queues import WorkQueue

Doc = TypeVar("Doc", bound=BaseModel)


class RoutingAdmin:
    def __init__(
        self,
        catalog: RoutingCatalog,
        accounts: AccountRegistry,
        assign_step: AssignStep,
        conversations: ConversationStore,
        bot_secrets: SealedStore,
        route_queue: WorkQueue[RouteItem],
        assign_queue: WorkQueue[AssignItem],
        clock: Callable[[], float] = time.time,
        *,
        bot_targets: BotTargets | None = None,
    ) -> None:
        self._catalog = catalog
        self._bot_targets = bot_targets or BotTargets()
        self._accounts = accounts
        self._assign_step = assign_step
        self._conversations = conversations
        self._bot_secrets = bot_secrets
        self._route_queue = route_queue
        self._assign_queue = assign_queue
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    # --- shared helpers -----------------------------------------------------------------------

    @staticmethod
    def require(store: DocumentStore[Any], doc_id: str, what: str) -> Any:
        """The document, or a ``NotFoundError`` that names it."""
        found = store.get(doc_id)
        if found is None:
            raise not_found(f"{what} {doc_id}")
        return found[0]

    def _update(
        self,
        store: DocumentStore[Doc],
        doc_id: str,
        what: str,
        patch: BaseModel,
        finish: Callable[[Doc, Doc], Doc] = lambda after, before: after,
    ) -> tuple[Doc, Doc]:
        """Apply ``patch`` (validated again as a whole); ``finish(after, before)`` may adjust
        the result before it is stored."""
        now = self._now()
        try:
            result = store.update(
                doc_id, lambda current: finish(merged(current, patch, updated_at=now), current)
            )
        except DuplicateError as error:
            raise _duplicate(error) from None
        except ChangedError:
            raise ConflictError(f"the {what} kept changing; try again") from None
        if result is None:
            raise not_found(f"{what} {doc_id}")
        self._catalog.forget()
        return result

    def _require_queues(self, queue_ids: list[str], field: str) -> None:
        for index, queue_id in enumerate(queue_ids):
            if self._catalog.queues.get(queue_id) is None:
                location = (
                    field if len(queue_ids) == 1 and field != "queueIds" else f"{field}.{index}"
                )
                raise unknown_reference(location, "queue", queue_id)

    # --- queues -------------------------------------------------------------------------------

    def create_queue(self, request: QueueFields) -> Queue:
        now = self._now()
        queue = Queue(**request.model_dump(), id=short_id(), created_at=now, updated_at=now)
        self._check_queue_targets(queue)
        self._catalog.queues.create(queue)
        return queue

    def _check_queue_targets(self, queue: Queue) -> None:
        for field, handling in (("outOfHours", queue.out_of_hours), ("overflow", queue.overflow)):
            target = handling.transfer_queue_id
            if target and target != queue.id and self._catalog.queues.get(target) is None:
                raise unknown_reference(f"{field}.transferQueueId", "queue", target)

    def update_queue(self, queue_id: str, patch: BaseModel) -> Queue:
        def finish(after: Queue, before: Queue) -> Queue:
            self._check_queue_targets(after)
            return after

        before, after = self._update(self._catalog.queues, queue_id, "queue", patch, finish)
        if before.assignment_method is not after.assignment_method:
            self._assign_step.rebuild_availability()
        self._assign_queue.put(AssignItem(queue_id=queue_id))
        return after

    def delete_queue(self, queue_id: str) -> None:
        queue = self.require(self._catalog.queues, queue_id, "queue")
        for workstream in self._catalog.workstreams.list_all():
            used = {
                workstream.fallback_queue_id,
                *(q for r in workstream.routing_rules for q in r.queue_ids()),
            }
            if queue_id in used:
                raise ConflictError(
                    f"queue {queue_id} is used by workstream {workstream.id}; change it first",
                    code="in_use",
                )
        self._catalog.queues.delete(queue)
        self._catalog.forget()

    # --- capacity profiles ----------------------------------------------------------------------

    def _require_profiles(self, profile_ids: list[str], field: str) -> None:
        for index, profile_id in enumerate(profile_ids):
            if self._catalog.profiles.get(profile_id) is None:
                location = field if field == "capacityProfileId" else f"{field}.{index}"
                raise unknown_reference(location, "capacity profile", profile_id)

    def create_profile(self, request: CapacityProfileFields) -> CapacityProfile:
        now = self._now()
        profile = CapacityProfile(
            **request.model_dump(), id=short_id(), created_at=now, updated_at=now
        )
        self._catalog.profiles.create(profile)
        self._catalog.forget()
        return profile

    def update_profile(self, profile_id: str, patch: BaseModel) -> CapacityProfile:
        after = self._update(self._catalog.profiles, profile_id, "capacity profile", patch)[1]
        for agent in self._catalog.agents.list_all():  # more room, or wrap-up freed sooner
            if profile_id in agent.capacity_profile_ids:
                self._assign_queue.put(AssignItem(agent_id=agent.id))
        return after

    def delete_profile(self, profile_id: str) -> None:
        profile = self.require(self._catalog.profiles, profile_id, "capacity profile")
        users = [
            f"workstream {w.id}"
            for w in self._catalog.workstreams.list_all()
            if w.capacity_profile_id == profile_id
        ] + [
            f"agent {a.id}"
            for a in self._catalog.agents.list_all()
            if profile_id in a.capacity_profile_ids
        ]
        if users:
            raise ConflictError(
                f"capacity profile {profile_id} is used by {users[0]}; change it first",
                code="in_use",
            )
        self._catalog.profiles.delete(profile)
        self._catalog.forget()

    # --- workstreams --------------------------------------------------------------------------

    def _keep_bot_secret(self, workstream: Workstream, previous: Workstream | None) -> Workstream:
        """A webhook bot's secret is sealed in its own row; the document keeps only hasSecret."""
        bot = workstream.bot
        if not isinstance(bot, WebhookBot):
            return workstream
        had = (
            isinstance(previous.bot, WebhookBot) and previous.bot.has_secret if previous else False
        )
        if bot.secret is not None:
            self._bot_secrets.put(workstream.id, bot.secret.get_secret_value())
        elif not had:
            raise InvalidRequestError(
                "bot.secret is required for a webhook bot", field="bot.secret"
            )
        stored = bot.model_copy(update={"secret": None, "has_secret": True})
        return workstream.model_copy(update={"bot": stored})

    def _check_workstream(self, fields: WorkstreamFields) -> None:
        if self._accounts.lookup(fields.account_id) is None:
            raise unknown_reference("accountId", "account", fields.account_id)
        self._require_queues([fields.fallback_queue_id], "fallbackQueueId")
        if isinstance(fields.bot, WebhookBot):
            try:
                self._bot_targets.check_url(fields.bot.url)
            except RefusedTargetError as error:
                raise InvalidRequestError(
                    f"bot.url is refused: {error}", code="address_refused", field="bot.url"
                ) from None
        for index, rule in enumerate(fields.routing_rules):
            if rule.allocation is None:
                self._require_queues(rule.queue_ids(), f"routingRules.{index}.queueId")
            for share_index, share in enumerate(rule.allocation or []):
                where = f"routingRules.{index}.allocation.{share_index}.queueId"
                self._require_queues([share.queue_id], where)
        if fields.capacity_profile_id:
            self._require_profiles([fields.capacity_profile_id], "capacityProfileId")

    def create_workstream(self, request: WorkstreamFields) -> Workstream:
        self._check_workstream(request)
        now = self._now()
        workstream = Workstream(
            **request.model_dump(), id=short_id(), created_at=now, updated_at=now
        )
        workstream = self._keep_bot_secret(workstream, None)
        try:
            self._catalog.workstreams.create(workstream)
        except DuplicateError as error:
            raise _duplicate(error) from None
        self._catalog.forget()
        self._route_waiting(workstream.account_id)
        return workstream

    def _route_waiting(self, account_id: str) -> None:
        """Conversations that opened before the account had a workstream get routed now."""
        token = None
        while True:
            page, token = self._conversations.list_conversations(
                account_id=account_id, state=ConversationState.OPEN, limit=200, page_token=token
            )
            for conversation in page:
                if conversation.queue_id is None:
                    self._route_queue.put(RouteItem(conversation_id=conversation.id))
            if not token:
                return

    def update_workstream(self, workstream_id: str, patch: BaseModel) -> Workstream:
        def finish(after: Workstream, before: Workstream) -> Workstream:
            self._check_workstream(after)
            return self._keep_bot_secret(after, before)

        return self._update(
            self._catalog.workstreams, workstream_id, "workstream", patch, finish=finish
        )[1]

    def delete_workstream(self, workstream_id: str) -> None:
        self._catalog.workstreams.delete(
            self.require(self._catalog.workstreams, workstream_id, "workstream")
        )
        self._bot_secrets.delete(workstream_id)
        self._catalog.forget()

    # --- agents -------------------------------------------------------------------------------

    def create_agent(self, request: AgentFields) -> tuple[Agent, str]:
        """The new agent and its bearer token, which is shown this once and stored hashed."""
        self._require_queues(request.queue_ids, "queueIds")
        self._require_profiles(request.capacity_profile_ids, "capacityProfileIds")
        token = new_bearer_token()
        now = self._now()
        agent = Agent(
            **request.model_dump(),
            id=short_id(),
            token_hash=bearer_token_hash(token),
            created_at=now,
            updated_at=now,
        )
        self._catalog.agents.create(agent)
        return agent, token

    def update_agent(self, agent_id: str, patch: BaseModel) -> Agent:
        queue_ids = getattr(patch, "queue_ids", None)
        if queue_ids is not None:
            self._require_queues(queue_ids, "queueIds")
        profile_ids = getattr(patch, "capacity_profile_ids", None)
        if profile_ids is not None:
            self._require_profiles(profile_ids, "capacityProfileIds")
        now = self._now()

        def change(current: Agent) -> Agent:
            after = merged(current, patch, updated_at=now)
            if after.disabled:  # nothing new for it; it sets its presence again once enabled
                after = after.model_copy(update={"presence": Presence.OFFLINE})
            return after

        after = self._assign_step.change_agent(agent_id, change)
        if after is None:
            raise not_found(f"agent {agent_id}")
        # more capacity or new queues: serve them
        self._assign_queue.put(AssignItem(agent_id=agent_id))
        return after

    def rotate_token(self, agent_id: str) -> tuple[Agent, str]:
        """A new bearer token for the agent, shown this once. The document and its token index
        row change in one transaction, so the old token stops resolving at once."""
        token = new_bearer_token()
        now = self._now()
        rotated = self._assign_step.change_agent(
            agent_id,
            lambda a: a.model_copy(
                update={"token_hash": bearer_token_hash(token), "updated_at": now}
            ),
        )
        if rotated is None:
            raise not_found(f"agent {agent_id}")
        return rotated, token

    def delete_agent(self, agent_id: str) -> None:
        agent = self.require(self._catalog.agents, agent_id, "agent")
        if agent.holds:
            raise ConflictError(
                f"agent {agent_id} holds {len(agent.holds)} conversations; "
                "close or transfer them first",
                code="in_use",
            )
        emptied = self._assign_step.change_agent(
            agent_id, lambda a: a.model_copy(update={"queue_ids": []})
        )
        if emptied is None:
            raise not_found(f"agent {agent_id}")
        self._catalog.agents.delete(emptied)


def _duplicate(error: DuplicateError) -> ConflictError:
    field = {"account": "accountId"}.get(error.index, error.index)
    return ConflictError(
        f"{field} {error.value} is used by another one already", code="duplicate", field=field
    )
