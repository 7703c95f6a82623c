"""Builds the app's dependencies in one place, from settings (docs/architecture.md §4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from shared.admin.account_removal import AccountRemoval
from shared.admin.poison import FailureLog, PoisonQueues
from shared.admin.routing import RoutingAdmin
from shared.admin.templates import TemplateAdmin
from shared.bots.targets import BotTargets
from shared.bots.webhook import WebhookClient
from shared.channel.access_tokens import AccessTokens
from shared.channel.callback import WeChatCallback
from shared.channel.callback_ips import CallbackIpAllowList
from shared.channel.draining import ChannelDrain
from shared.channel.golive import ActivityRecorder, GoLiveCheck
from shared.channel.materials import MaterialLibrary
from shared.channel.menus import AccountMenus
from shared.channel.profiles import CustomerProfiles
from shared.channel.registry import AccountRegistry
from shared.core.file_links import FileLinks
from shared.core.secretbox import SecretBox
from shared.core.settings import Settings
from shared.desk.offers import OfferDesk
from shared.desk.supervision import Supervision
from shared.desk.templates import TemplateMessages
from shared.desk.typing_indicator import TypingIndicator
from shared.desk.work import AgentDesk
from shared.desk.workspace import AgentWorkspace
from shared.messaging.automated import AutomatedMessenger
from shared.messaging.outbox import Outbox
from shared.messaging.positions import PositionUpdates
from shared.messaging.surveys import Surveys
from shared.model.agents import Agent
from shared.model.capacity_profiles import CapacityProfile
from shared.model.queues import Queue
from shared.model.workstreams import Workstream
from shared.pipeline.assign import AssignStep
from shared.pipeline.bot import BotStep
from shared.pipeline.inbound import InboundStep
from shared.pipeline.media import MediaStep
from shared.pipeline.outbound import OutboundStep
from shared.pipeline.route import RouteStep
from shared.pipeline.template_send import TemplateSender
from shared.store import StorageClients
from shared.store.access_tokens import AccessTokenTable
from shared.store.accounts import AccountStore
from shared.store.activity import ActivityStore
from shared.store.availability import AvailabilityIndex
from shared.store.callback_ips import CallbackIpTable
from shared.store.catalog import RoutingCatalog
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.documents import DocumentStore
from shared.store.inbound import InboundStore
from shared.store.leases import Leases
from shared.store.materials import MaterialStore
from shared.store.menus import MenuStore
from shared.store.names import (
    ACCESS_TOKENS_TABLE,
    ACCOUNTS_TABLE,
    AGENTS_TABLE,
    ATTACHMENTS_CONTAINER,
    AVAILABILITY_TABLE,
    CALLBACK_IPS_TABLE,
    CHANGES_TABLE,
    CONVERSATIONS_TABLE,
    FAILURES_TABLE,
    INBOUND_TABLE,
    LEASES_TABLE,
    MATERIALS_TABLE,
    MESSAGES_TABLE,
    QUEUES_TABLE,
    TEMPLATES_TABLE,
    TIMELINE_TABLE,
    TYPING_TABLE,
    WAITING_TABLE,
    WORKSTREAMS_TABLE,
    ensure_storage,
)
from shared.store.sealed import SealedStore
from shared.store.templates import TemplateStore
from shared.store.timeline import TimelineStore
from shared.store.typing_indicator import TypingTable
from shared.store.waiting import WaitingLine
from shared.store.work_items import (
    AssignItem,
    BotItem,
    InboundItem,
    MediaItem,
    OutboundItem,
    RouteItem,
)
from shared.store.work_queues import Item, WorkQueue
from shared.upkeep.erasure import Eraser
from shared.upkeep.health import StorageHealth
from shared.upkeep.housekeeping import Housekeeping
from shared.upkeep.max_wait import MaxWaitSweep
from shared.wechat.api import WeChatApi

Clock = Callable[[], float]


class Services:
    """What the use cases need, wired from settings, storage and a clock (injectable so tests
    can move time). Built once per worker process; every part is safe to share across threads."""

    def __init__(self, settings: Settings, storage: StorageClients, clock: Clock = time.time):
        self.settings = settings
        self.storage = storage
        self.clock = clock
        route_queue, assign_queue = self.work_queue(RouteItem), self.work_queue(AssignItem)
        secrets_keys = settings.secrets_keys
        secret_box = SecretBox(secrets_keys)
        attachments = storage.container(ATTACHMENTS_CONTAINER)
        send_leases = Leases(storage.table(LEASES_TABLE), "send")
        typing_table = TypingTable(storage.table(TYPING_TABLE))
        token_table = AccessTokenTable(storage.table(ACCESS_TOKENS_TABLE), secret_box)

        activity = ActivityStore(storage.table(ACCOUNTS_TABLE))
        self.accounts = AccountRegistry(
            AccountStore(storage.table(ACCOUNTS_TABLE), secret_box),
            token_table,
            settings,
            clock,
            activity=activity,
        )
        self.inbound = InboundStore(storage.table(INBOUND_TABLE))
        self.timeline = TimelineStore(storage.table(TIMELINE_TABLE))
        self.failures = FailureLog(storage.table(FAILURES_TABLE), clock)
        self.feed = ChangeFeed(storage.table(CHANGES_TABLE), clock)
        self.conversations = ConversationStore(
            storage.table(CONVERSATIONS_TABLE), storage.table(MESSAGES_TABLE), self.feed
        )
        self.catalog = RoutingCatalog(
            workstreams=DocumentStore(
                storage.table(WORKSTREAMS_TABLE),
                "workstreams",
                Workstream,
                unique={"account": lambda w: w.account_id},
            ),
            queues=DocumentStore(storage.table(QUEUES_TABLE), "queues", Queue),
            profiles=DocumentStore(
                storage.table(QUEUES_TABLE), "capacityProfiles", CapacityProfile
            ),
            agents=DocumentStore(
                storage.table(AGENTS_TABLE),
                "agents",
                Agent,
                unique={"token": lambda a: a.token_hash},
            ),
        )
        self.waiting = WaitingLine(storage.table(WAITING_TABLE))
        send_queue = self.work_queue(OutboundItem)
        self.outbox = Outbox(
            self.conversations,
            send_queue,
            self.feed,
            window_hours=settings.window_hours,
            quota=settings.window_message_quota,
            clock=clock,
        )
        self.messenger = AutomatedMessenger(self.outbox, self._queue_name)
        self.surveys = Surveys(self.conversations, self.outbox, clock, self.timeline)
        self.drain = ChannelDrain(self.accounts, self.conversations)
        self.assign_step = AssignStep(
            self.catalog,
            self.conversations,
            self.waiting,
            AvailabilityIndex(storage.table(AVAILABILITY_TABLE)),
            self.messenger,
            self.surveys,
            assign_queue,
            self.feed,
            clock,
            self.timeline,
            after_close=self.drain.after_close,
        )
        self.route_step = RouteStep(
            self.catalog,
            self.conversations,
            self.waiting,
            self.messenger,
            assign_queue,
            clock,
            self.timeline,
        )
        self.wechat = WeChatApi(
            settings.wechat_api_base_url, timeout=settings.wechat_api_timeout_seconds
        )
        self.access_tokens = AccessTokens(
            token_table,
            self.wechat,
            self.accounts,
            stable=settings.wechat_token_api == "stable_token",  # noqa: S105 - an API name
            clock=clock,
        )
        self.profiles = CustomerProfiles(self.conversations, self.access_tokens, self.wechat, clock)
        self.inbound_step = InboundStep(
            self.inbound,
            self.conversations,
            self.assign_step,
            self.outbox,
            self.catalog,
            self.messenger,
            self.surveys,
            self.route_step,
            route_queue,
            assign_queue,
            self.work_queue(MediaItem),
            self.work_queue(BotItem),
            clock,
            self.timeline,
            takes_new_conversations=self.drain.takes_new_conversations,
            template_reports=lambda *report: self.template_sender.job_finished(*report),
            profiles=self.profiles,
        )
        self.desk = AgentDesk(
            self.catalog,
            self.conversations,
            self.waiting,
            self.assign_step,
            self.messenger,
            assign_queue,
            clock,
        )
        self.offers = OfferDesk(
            self.catalog, self.conversations, self.assign_step, assign_queue, clock
        )
        self.bot_secrets = SealedStore(
            storage.table(WORKSTREAMS_TABLE), "botsecrets", "bot-secret", secret_box
        )
        bot_targets = BotTargets(allow_loopback=settings.bot_webhook_allow_loopback)
        self.routing_admin = RoutingAdmin(
            self.catalog,
            self.accounts,
            self.assign_step,
            self.conversations,
            self.bot_secrets,
            route_queue,
            assign_queue,
            clock,
            bot_targets=bot_targets,
        )
        self.eraser = Eraser(
            storage,
            attachments,
            send_leases,
            self.conversations,
            self.inbound,
            self.waiting,
            self.assign_step,
            self.catalog,
            self.feed,
            retention_days=settings.retention_days,
            timeline=self.timeline,
            clock=clock,
            typing=typing_table,
        )
        self.housekeeping = Housekeeping(
            self.catalog,
            self.conversations,
            self.assign_step,
            self.eraser,
            clock,
            self.waiting,
            positions=PositionUpdates(
                self.catalog, self.conversations, self.waiting, self.messenger, clock
            ),
            drain=self.drain,
            max_wait=MaxWaitSweep(
                self.catalog, self.conversations, self.waiting, self.messenger, self.timeline, clock
            ),
        )

        self.materials = MaterialLibrary(
            MaterialStore(storage.table(MATERIALS_TABLE)),
            self.accounts,
            self.access_tokens,
            self.wechat,
            clock,
        )
        self.callback_ips = CallbackIpAllowList(
            CallbackIpTable(storage.table(CALLBACK_IPS_TABLE)),
            self.access_tokens,
            self.wechat,
            self.accounts,
            clock,
        )
        self.callback = WeChatCallback(
            self.accounts,
            self.inbound,
            self.work_queue(InboundItem),
            settings,
            self.callback_ips if settings.callback_ip_check else None,
            clock,
            ActivityRecorder(activity, clock),
        )
        self.menus = AccountMenus(
            self.accounts,
            MenuStore(storage.table(ACCOUNTS_TABLE)),
            self.access_tokens,
            self.wechat,
            clock,
        )
        self.account_removal = AccountRemoval(self.accounts, self.menus, self.materials)
        self.poison = PoisonQueues(storage.queues, self.failures, self.conversations, self.inbound)
        self.golive = GoLiveCheck(activity, self.access_tokens, settings.outbound_ips, clock)
        self.links = FileLinks(next(iter(secrets_keys.values())), settings.public_base_url)
        self.media_step = MediaStep(
            self.conversations,
            self.catalog,
            self.access_tokens,
            self.wechat,
            attachments,
            self.messenger,
            self.feed,
            allowed_hosts=settings.wechat_media_hosts,
            api_host=urlsplit(settings.wechat_api_base_url).hostname,
        )
        self.templates = TemplateStore(storage.table(TEMPLATES_TABLE))
        self.template_sender = TemplateSender(
            self.conversations,
            self.templates,
            self.access_tokens,
            self.wechat,
            self.feed,
            clock,
            self.timeline,
        )
        self.template_admin = TemplateAdmin(
            self.accounts, self.templates, self.access_tokens, self.wechat, clock
        )
        self.template_messages = TemplateMessages(
            self.conversations, self.templates, send_queue, self.feed, clock
        )
        self.outbound_step = OutboundStep(
            self.conversations,
            self.access_tokens,
            self.wechat,
            self.outbox,
            send_leases,
            attachments,
            self.links,
            send_queue,
            self.feed,
            clock,
            self.timeline,
            templates=self.template_sender,
        )
        self.workspace = AgentWorkspace(
            self.catalog,
            self.conversations,
            self.outbox,
            attachments,
            self.feed,
            self.assign_step,
            settings.admin_token.get_secret_value(),
            clock,
            profiles=self.profiles,
            mini_programs=self._mini_programs,
        )
        self.typing = TypingIndicator(
            self.conversations, self.outbox, typing_table, self.access_tokens, self.wechat, clock
        )
        self.supervision = Supervision(
            self.catalog,
            self.conversations,
            self.waiting,
            self.desk,
            self.feed,
            self.workspace.summary,
            self.timeline,
            clock,
        )
        self.attachments = attachments
        self.health = StorageHealth(storage)
        self.bot_step = BotStep(
            self.catalog,
            self.conversations,
            self.outbox,
            self.assign_step,
            route_queue,
            self.bot_secrets,
            WebhookClient(clock=clock, targets=bot_targets),
            clock,
            self.timeline,
        )

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock = time.time, ensure: bool = True
    ) -> Services:
        """From settings; ``ensure`` creates missing tables, queues and containers first."""
        storage = StorageClients.from_settings(settings.storage)
        if ensure:
            ensure_storage(storage)
        return cls(settings, storage, clock)

    def _mini_programs(self, account_id: str) -> tuple[str, ...]:
        """The account's linked mini-programs (the registry's cached read)."""
        account = self.accounts.lookup(account_id)
        return account.mini_program_app_ids if account else ()

    def _queue_name(self, queue_id: str) -> str | None:
        queue = self.catalog.queue(queue_id)
        return queue.name if queue else None

    def work_queue(self, item: type[Item]) -> WorkQueue[Item]:
        """The queue that takes ``item``, under the name the item says."""
        return WorkQueue(self.storage.queue(item.work_queue), item)
