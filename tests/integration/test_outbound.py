"""Outbound on Azurite and the WeChat API simulator: the shared token, the send step's order
and retries, the reply window, and attachments both ways."""

from __future__ import annotations

import hashlib
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from shared.core.errors import DomainError
from shared.desk.workspace import Actor, TextMessageRequest
from shared.model.conversations import utc
from shared.pipeline.media import blob_prefix
from shared.pipeline.outbound import OutboundStep
from shared.pipeline.send_attempts import backoff_seconds
from shared.store.leases import Leases
from shared.store.names import LEASES_TABLE
from shared.store.work_items import OutboundItem
from shared.store.work_queues import WorkQueue
from shared.wechat.errors import WeChatApiError
from triggers.errors import status_of

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
AMR = b"#!AMR\n" + b"\x3c" * 500


def reply(world, agent, conversation, text):
    actor = Actor(world.fresh_agent(agent.id))
    return world.services.workspace.send_text(actor, conversation, TextMessageRequest(text=text))


class TestAccessToken:
    def test_many_workers_fetch_the_token_once(self, world):
        tokens = world.services.access_tokens
        barrier = threading.Barrier(8)

        def get(_):
            barrier.wait()
            return tokens.get(world.account.id)

        with ThreadPoolExecutor(8) as pool:
            seen = set(pool.map(get, range(40)))
        assert len(seen) == 1
        assert world.wechat_api.token_fetches == 1

    def test_other_processes_read_the_shared_token(self, world, services):
        from shared.bootstrap import Services

        first = services.access_tokens.get(world.account.id)
        other = Services(services.settings, services.storage, services.clock)  # another instance
        assert other.access_tokens.get(world.account.id) == first
        assert world.wechat_api.token_fetches == 1

    def test_fifty_sends_from_four_instances_fetch_the_token_once(self, world, services):
        """Four independent service graphs (as four function instances) share only storage."""
        from shared.bootstrap import Services

        queue = world.queue()
        world.workstream(queue.id)
        agent = world.agent("busy bee", [queue.id], capacity=10)
        conversations = [world.conversation(f"c{i}") for i in range(10)]
        for conversation in conversations:
            world.services.assign_step.assign(conversation)
            for i in range(5):
                reply(world, agent, conversation, f"{conversation[-4:]}-{i}")
        instances = [
            Services(services.settings, services.storage, services.clock) for _ in range(4)
        ]
        barrier = threading.Barrier(4)

        def instance(index: int) -> None:
            barrier.wait()
            for conversation in conversations[index::4]:
                instances[index].outbound_step.send_pending(conversation)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(instance, range(4)))
        assert len(world.wechat_api.sent) == 50
        assert world.wechat_api.token_fetches == 1

    def test_refreshed_a_few_minutes_before_expiry(self, world):
        tokens = world.services.access_tokens
        first = tokens.get(world.account.id)
        world.clock.advance(7200 - 4 * 60)  # 4 minutes left: inside the refresh margin
        second = tokens.get(world.account.id)
        assert second != first
        assert world.wechat_api.token_fetches == 2

    def test_a_rejected_token_is_refreshed_once_for_everyone(self, world):
        tokens = world.services.access_tokens
        rejected = tokens.get(world.account.id)
        barrier = threading.Barrier(6)

        def after(_):
            barrier.wait()
            return tokens.after_rejection(world.account.id, rejected)

        with ThreadPoolExecutor(6) as pool:
            new = set(pool.map(after, range(6)))
        assert len(new) == 1  # everyone got the one refreshed token
        assert world.wechat_api.token_fetches == 2  # fetched once, not six times

    def test_the_classic_token_api_gets_a_new_token(self, world, services):
        from shared.channel.access_tokens import AccessTokens

        classic = AccessTokens(
            services.access_tokens._table,
            services.wechat,
            services.accounts,
            stable=False,
            clock=world.clock,
        )
        rejected = classic.get(world.account.id)
        assert classic.after_rejection(world.account.id, rejected) != rejected
        assert world.wechat_api.token_fetches_by_api["/cgi-bin/token"] == 2

    def test_a_call_refused_for_its_token_runs_once_more_with_a_fresh_one(self, world):
        tokens = world.services.access_tokens
        first = tokens.get(world.account.id)
        seen: list[str] = []

        def call(token: str) -> str:
            seen.append(token)
            if len(seen) == 1:
                raise WeChatApiError(42001, "access_token expired", "test")
            return "done"

        assert tokens.call(world.account.id, call) == "done"
        assert seen[0] == first
        assert len(seen) == 2
        assert world.wechat_api.token_fetches == 2  # stable_token may give the same value

    def test_a_second_refusal_is_the_callers(self, world):
        seen: list[str] = []

        def call(token: str) -> None:
            seen.append(token)
            raise WeChatApiError(40001, "invalid credential", "test")

        with pytest.raises(WeChatApiError) as refused:
            world.services.access_tokens.call(world.account.id, call)
        assert refused.value.errcode == 40001
        assert len(seen) == 2  # refreshed once, not again and again
        assert world.wechat_api.token_fetches == 2

    def test_other_errors_are_not_retried_and_keep_the_token(self, world):
        seen: list[str] = []

        def call(token: str) -> None:
            seen.append(token)
            raise WeChatApiError(45015, "response out of time limit", "test")

        with pytest.raises(WeChatApiError):
            world.services.access_tokens.call(world.account.id, call)
        assert len(seen) == 1
        assert world.wechat_api.token_fetches == 1


class TestSending:
    def test_replies_reach_wechat_in_order_with_a_valid_token(self, chat):
        world, agent, customer, conversation = chat
        for text in ("one", "two", "three"):
            reply(world, agent, conversation, text)
        world.services.outbound_step.send_pending(conversation)
        sent = world.wechat_api.sent
        assert [m.body["text"]["content"] for m in sent] == ["one", "two", "three"]
        assert {m.touser for m in sent} == {customer.open_id}
        assert [e.status for e in world.outbound(conversation)] == ["sent"] * 3

    def test_order_holds_with_many_workers(self, chat):
        world, agent, _, conversation = chat
        world.wechat_api.quota = None
        texts = [f"m{i}" for i in range(12)]
        for text in texts:
            reply_unchecked(world, agent, conversation, text)
        barrier = threading.Barrier(4)

        def worker(_):
            barrier.wait()
            for _ in range(6):
                world.services.outbound_step.send_pending(conversation)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(worker, range(4)))
        while any(e.status == "queued" for e in world.outbound(conversation)):
            world.services.outbound_step.send_pending(conversation)
        assert [m.body["text"]["content"] for m in world.wechat_api.sent] == texts

    def test_busy_wechat_is_retried_later(self, chat):
        world, agent, _, conversation = chat
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=-1)
        reply(world, agent, conversation, "first")
        reply(world, agent, conversation, "second")
        world.services.outbound_step.send_pending(conversation)
        assert world.wechat_api.sent == []  # "second" waits behind "first"
        first, second = world.outbound(conversation)
        assert (first.status, first.details["attempts"]) == ("queued", 1)
        assert (second.status, "attempts" in second.details) == ("queued", False)
        assert "busy" in first.details["lastError"]
        world.clock.advance(backoff_seconds(1))
        world.services.outbound_step.send_pending(conversation)
        assert [m.body["text"]["content"] for m in world.wechat_api.sent] == ["first", "second"]

    def test_a_window_error_fails_without_retry_and_says_why(self, chat):
        world, agent, _, conversation = chat
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45015)
        reply(world, agent, conversation, "too late")
        reply(world, agent, conversation, "next")
        world.services.outbound_step.send_pending(conversation)
        failed, sent = world.outbound(conversation)
        assert (failed.status, failed.details["errcode"]) == ("failed", 45015)
        assert "48-hour reply window has closed" in failed.details["reason"]
        assert sent.status == "sent"
        assert world.wechat_api.calls("/cgi-bin/message/custom/send") == 2

    @pytest.mark.parametrize("errcode", [45047, 43004, 40003])
    def test_other_final_errors(self, chat, errcode):
        world, agent, _, conversation = chat
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=errcode)
        reply(world, agent, conversation, "x")
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert (entry.status, entry.details["errcode"]) == ("failed", errcode)
        assert world.wechat_api.calls("/cgi-bin/message/custom/send") == 1

    def test_a_stale_token_is_refreshed_once_and_the_message_goes(self, chat):
        world, agent, _, conversation = chat
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=40001)
        reply(world, agent, conversation, "after refresh")
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert entry.status == "sent"
        assert world.wechat_api.token_fetches == 2
        assert world.wechat_api.sent[0].body["text"]["content"] == "after refresh"

    def test_an_ambiguous_timeout_is_sent_again_and_marked(self, chat):
        """WeChat took the message but answered too late: at-least-once means the customer
        may get it twice; the entry says so."""
        world, agent, _, conversation = chat
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", delay=3.0)  # client gives up at 2 s
        reply(world, agent, conversation, "maybe twice")
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert entry.status == "queued"
        assert entry.details["ambiguous"] is True
        world.wechat_api.wait_for_sent(1, timeout=5)
        world.clock.advance(backoff_seconds(1))
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert entry.status == "sent"
        assert entry.details["ambiguous"] is True
        assert [m.body["text"]["content"] for m in world.wechat_api.sent] == ["maybe twice"] * 2

    def test_wechat_down_for_long_fails_the_message(self, chat):
        world, agent, _, conversation = chat
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", http_status=502, times=5)
        reply(world, agent, conversation, "never")
        reply(world, agent, conversation, "after it")
        for attempt in range(1, 6):
            world.services.outbound_step.send_pending(conversation)
            world.clock.advance(backoff_seconds(attempt))
        entry, after = world.outbound(conversation)
        assert entry.status == "failed"
        assert entry.details["attempts"] == 5
        assert entry.details["reason"] == "WeChat did not answer after 5 tries (the last: HTTP 502)"
        assert after.status == "sent"  # not held back for ever behind the failed one
        assert [m.body["text"]["content"] for m in world.wechat_api.sent] == ["after it"]

    def test_a_retry_waits_its_backoff_whatever_else_is_queued(self, chat):
        """Every reply queues a send of its conversation: one that comes before the first
        reply's retry is due must not try WeChat again, or a burst of replies during a short
        outage uses up the first one's tries at once and it fails for good."""
        world, agent, _, conversation = chat
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", http_status=503, times=100)
        texts = ["first", "second", "third", "fourth", "fifth"]
        for text in texts:
            reply(world, agent, conversation, text)
            world.services.outbound_step.send_pending(conversation)  # the send step for that reply
            world.clock.advance(0.2)
        assert world.wechat_api.calls("/cgi-bin/message/custom/send") == 1
        first = world.outbound(conversation)[0]
        assert (first.status, first.details["attempts"]) == ("queued", 1)
        world.wechat_api.reset_faults()
        world.clock.advance(backoff_seconds(1))
        world.services.outbound_step.send_pending(conversation)  # the retry's own wake-up
        assert [m.body["text"]["content"] for m in world.wechat_api.sent] == texts
        assert [e.status for e in world.outbound(conversation)] == ["sent"] * 5

    def test_a_send_before_the_retry_is_due_wakes_the_conversation_then(self, chat, services):
        """It tries nothing, but queues the conversation again for when the retry is due: the
        conversation never depends on one queue message alone."""
        world, agent, _, conversation = chat
        client = services.storage.queue(f"wakeups{secrets.token_hex(4)}")
        client.create_queue()
        sender = sender_on(services, WorkQueue(client, OutboundItem))
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", http_status=503)
        reply(world, agent, conversation, "first")
        sender.send_pending(conversation)
        world.clock.advance(1)
        sender.send_pending(conversation)
        assert world.wechat_api.calls("/cgi-bin/message/custom/send") == 1
        assert client.get_queue_properties().approximate_message_count == 2
        client.delete_queue()


class TestWindow:
    def test_the_window_is_shown_and_enforced(self, chat):
        world, agent, customer, conversation = chat
        workspace = world.services.workspace
        view = workspace.window(world.get(conversation))
        assert view.messages_left == 5
        assert view.expires_at == utc(int(world.clock())) + timedelta(hours=48)
        for i in range(5):
            reply(world, agent, conversation, f"r{i}")
        with pytest.raises(DomainError) as caught:
            reply(world, agent, conversation, "one too many")
        assert (status_of(caught.value), caught.value.code) == (409, "reply_window")
        assert "used up" in caught.value.message
        assert workspace.window(world.get(conversation)).messages_left == 0
        world.clock.advance(60)
        world.write(customer, customer.text("again"))
        assert workspace.window(world.get(conversation)).messages_left == 5
        reply(world, agent, conversation, "fits now")

    def test_after_48_hours_nothing_is_queued(self, chat):
        world, agent, _, conversation = chat
        world.clock.advance(48 * 3600 + 1)
        with pytest.raises(DomainError) as caught:
            reply(world, agent, conversation, "late")
        assert "window is closed" in caught.value.message
        assert world.outbound(conversation) == []

    def test_a_failed_message_gives_its_slot_back(self, chat):
        world, agent, _, conversation = chat
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45047)
        reply(world, agent, conversation, "x")
        world.services.outbound_step.send_pending(conversation)
        assert world.services.workspace.window(world.get(conversation)).messages_left == 5


class TestAttachments:
    def test_a_customer_image_is_kept_in_blob_storage(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "photo.png")
        customer = world.customer()
        conversation = world.write(customer, customer.image(media_id))
        [entry] = [e for e in world.services.conversations.transcript(conversation, limit=10)[0]]
        world.services.media_step.keep(conversation, entry.key)
        kept = world.services.conversations.entry(conversation, entry.key).details["attachment"]
        assert kept["sha256"] == hashlib.sha256(PNG).hexdigest()
        assert (kept["size"], kept["contentType"], kept["filename"]) == (
            len(PNG),
            "image/png",
            "photo.png",
        )
        content, content_type, _ = world.services.workspace.attachment(
            Actor(None), conversation, entry.key
        )
        assert (content, content_type) == (PNG, "image/png")

    @pytest.mark.parametrize(
        ("announced", "kept"),
        [
            ("../../evil.jpg", "evil.jpg"),
            ('../../x"\r\nSet-Cookie: a=b.jpg', "xSet-Cookie a=b.jpg"),
            ("..\\报告\u202e.jpg", "报告.jpg"),
        ],
    )
    def test_the_file_name_wechat_gives_is_cleaned(self, world, announced, kept):
        queue = world.queue()
        world.workstream(queue.id)
        jpeg = b"\xff\xd8\xff" + b"j" * 300
        media_id = world.wechat_api.add_media(jpeg, "image/jpeg", "image", announced)
        customer = world.customer()
        conversation = world.write(customer, customer.image(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.media_step.keep(conversation, entry.key)
        stored = world.services.conversations.entry(conversation, entry.key).details["attachment"]
        assert stored["filename"] == kept
        assert stored["blob"] == f"{blob_prefix(world.account.id, conversation)}{entry.key}/{kept}"
        _, _, filename = world.services.workspace.attachment(Actor(None), conversation, entry.key)
        assert filename == kept

    def test_a_customer_video_is_fetched_through_its_url(self, world, services):
        queue = world.queue()
        world.workstream(queue.id)
        video = b"\x00\x00\x00\x18ftypmp42" + b"v" * 3000
        media_id = world.wechat_api.add_media(video, "video/mp4", "video", "clip.mp4")
        customer = world.customer()
        conversation = world.write(customer, customer.video(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.media_step.keep(conversation, entry.key)
        kept = world.services.conversations.entry(conversation, entry.key).details["attachment"]
        assert kept["sha256"] == hashlib.sha256(video).hexdigest()

    def test_customer_attachments_off_give_a_placeholder_and_a_notice(self, world):
        queue = world.queue()
        world.workstream(
            queue.id,
            language="en",
            fileAttachments={"customersCanSend": False},
            automatedMessages={"en": {"attachmentsDisabled": "Please describe it in words."}},
        )
        media_id = world.wechat_api.add_media(PNG, "image/png", "image")
        customer = world.customer()
        conversation = world.write(customer, customer.image(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.media_step.keep(conversation, entry.key)
        kept = world.services.conversations.entry(conversation, entry.key)
        assert "attachment" not in kept.details
        assert "does not accept attachments" in kept.details["placeholder"]
        assert world.outbound_texts(conversation) == ["Please describe it in words."]
        assert world.wechat_api.calls("/cgi-bin/media/get") == 0

    def test_an_agent_image_is_uploaded_then_sent(self, chat):
        world, agent, _, conversation = chat
        actor = Actor(world.fresh_agent(agent.id))
        entry = world.services.workspace.send_file(actor, conversation, "receipt.png", PNG)
        assert entry.type == "image"
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert message.msgtype == "image"
        stored = world.wechat_api.media(message.body["image"]["media_id"])
        assert stored.content == PNG

    def test_a_stale_token_on_media_get_is_refreshed_once_and_the_image_kept(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "photo.png")
        customer = world.customer()
        conversation = world.write(customer, customer.image(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/media/get", errcode=40001)
        world.services.media_step.keep(conversation, entry.key)
        kept = world.services.conversations.entry(conversation, entry.key).details["attachment"]
        assert kept["sha256"] == hashlib.sha256(PNG).hexdigest()
        assert world.wechat_api.calls("/cgi-bin/media/get") == 2
        assert world.wechat_api.token_fetches == 2

    def test_a_stale_token_on_the_upload_is_refreshed_once_and_the_image_goes(self, chat):
        world, agent, _, conversation = chat
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/media/upload", errcode=42001)
        actor = Actor(world.fresh_agent(agent.id))
        world.services.workspace.send_file(actor, conversation, "receipt.png", PNG)
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert world.wechat_api.media(message.body["image"]["media_id"]).content == PNG
        assert [e.status for e in world.outbound(conversation)] == ["sent"]
        assert world.wechat_api.token_fetches == 2

    def test_voice_goes_as_voice(self, chat):
        world, agent, _, conversation = chat
        actor = Actor(world.fresh_agent(agent.id))
        assert (
            world.services.workspace.send_file(actor, conversation, "note.amr", AMR).type == "voice"
        )

    def test_other_files_go_as_a_short_lived_link(self, chat):
        world, agent, _, conversation = chat
        actor = Actor(world.fresh_agent(agent.id))
        pdf = b"%PDF-1.7 invoice"
        entry = world.services.workspace.send_file(actor, conversation, "invoice.pdf", pdf)
        assert entry.type == "file"
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        text = message.body["text"]["content"]
        assert text.startswith("invoice.pdf: ")
        token = text.rsplit("/api/files/", 1)[1]
        blob = world.services.links.blob(token, utc(world.clock()))
        assert world.services.attachments.download_blob(blob).readall() == pdf
        assert world.services.links.blob(token + "x", utc(world.clock())) is None
        world.clock.advance(3 * 86400 + 1)
        assert world.services.links.blob(token, utc(world.clock())) is None

    def test_limits_are_checked_before_anything_is_stored(self, chat):
        world, agent, _, conversation = chat
        actor = Actor(world.fresh_agent(agent.id))
        big = PNG + b"\x00" * (2 * 1024 * 1024)
        with pytest.raises(DomainError) as caught:
            world.services.workspace.send_file(actor, conversation, "big.png", big)
        assert (status_of(caught.value), caught.value.code) == (400, "too_large_for_wechat")
        assert "at most 2 MB" in caught.value.message
        assert world.outbound(conversation) == []

    def test_agents_attachments_off_is_403(self, world):
        queue = world.queue()
        world.workstream(queue.id, fileAttachments={"agentsCanSend": False})
        agent = world.agent("a", [queue.id])
        conversation = world.conversation()
        world.services.assign_step.assign(conversation)
        with pytest.raises(DomainError) as caught:
            world.services.workspace.send_file(
                Actor(world.fresh_agent(agent.id)), conversation, "a.png", PNG
            )
        assert status_of(caught.value) == 403


class TestForgedAttachments:
    """A push's own fields never stand in for what the server records about its files."""

    @pytest.fixture
    def kept(self, world):
        """Another customer's image, kept in Blob storage → (conversation, its blob name)."""
        queue = world.queue()
        world.workstream(queue.id)
        media_id = world.wechat_api.add_media(PNG, "image/png", "image", "photo.png")
        victim = world.customer()
        conversation = world.write(victim, victim.image(media_id))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.media_step.keep(conversation, entry.key)
        stored = world.services.conversations.entry(conversation, entry.key)
        return conversation, stored.details["attachment"]["blob"]

    @staticmethod
    def forged(blob):
        return {
            "blob": blob,
            "contentType": "text/html",
            "size": len(PNG),
            "sha256": hashlib.sha256(PNG).hexdigest(),
            "filename": "page.html",
        }

    def test_a_pushed_attachment_field_is_not_served(self, world, kept):
        _, blob = kept
        attacker = world.customer()
        conversation = world.write(
            attacker, attacker.text("look", attachment=self.forged(blob), placeholder="x")
        )
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        assert entry.push_fields["attachment"]["blob"] == blob  # kept, as the customer sent it
        assert "attachment" not in world.services.workspace.entry_view(entry)
        with pytest.raises(DomainError) as caught:
            world.services.workspace.attachment(Actor(None), conversation, entry.key)
        assert status_of(caught.value) == 404

    def test_a_pushed_attachment_field_does_not_stop_the_media_step(self, world, kept):
        _, blob = kept
        media_id = world.wechat_api.add_media(AMR, "audio/amr", "voice", "note.amr")
        customer = world.customer()
        conversation = world.write(
            customer, customer.voice(media_id, attachment=self.forged(blob), placeholder="x")
        )
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        world.services.media_step.keep(conversation, entry.key)
        content, content_type, _ = world.services.workspace.attachment(
            Actor(None), conversation, entry.key
        )
        assert (content, content_type) == (AMR, "audio/amr")

    def test_a_stored_attachment_outside_its_conversation_is_refused(self, world, kept):
        """Rows written before pushes were kept apart: the blob must be the conversation's."""
        _, blob = kept
        customer = world.customer()
        conversation = world.write(customer, customer.text("hello"))
        [entry] = world.services.conversations.transcript(conversation, limit=10)[0]
        prefix = blob_prefix(world.account.id, conversation)
        forgeries = [
            self.forged(name)
            for name in (blob, f"{prefix}{entry.key}/../../{blob}", f"{prefix}./x")
        ]
        forgeries += ["page.html", {"blob": f"{prefix}{entry.key}/x"}]  # not even a record
        for forged in forgeries:
            entry = world.services.conversations.update_entry(entry, details={"attachment": forged})
            assert "attachment" not in world.services.workspace.entry_view(entry)
            with pytest.raises(DomainError) as caught:
                world.services.workspace.attachment(Actor(None), conversation, entry.key)
            assert status_of(caught.value) == 404, forged


class TestVisibility:
    def test_agents_see_their_own_supervisors_their_queues(self, chat):
        world, agent, _, conversation = chat
        queue_id = world.get(conversation).queue_id
        workspace = world.services.workspace
        other = world.agent("other", [queue_id])
        supervisor = world.agent("boss", [queue_id], role="supervisor")
        outsider = world.agent("outsider", [world.queue("elsewhere").id], role="supervisor")
        assert [c.id for c in workspace.conversations(Actor(world.fresh_agent(agent.id)))] == [
            conversation
        ]
        assert workspace.conversations(Actor(world.fresh_agent(other.id))) == []
        assert [c.id for c in workspace.conversations(Actor(world.fresh_agent(supervisor.id)))] == [
            conversation
        ]
        for actor in (Actor(world.fresh_agent(other.id)), Actor(world.fresh_agent(outsider.id))):
            with pytest.raises(DomainError) as caught:
                workspace.visible(actor, conversation)
            assert status_of(caught.value) == 404
        assert workspace.visible(Actor(None), conversation).id == conversation
        with pytest.raises(DomainError) as caught:
            workspace.send_text(
                Actor(world.fresh_agent(supervisor.id)), conversation, TextMessageRequest(text="hi")
            )
        assert status_of(caught.value) == 403

    def test_parked_conversations_stay_on_the_agents_list(self, chat):
        world, agent, _, conversation = chat
        world.services.desk.park(world.fresh_agent(agent.id), conversation)
        listed = world.services.workspace.conversations(Actor(world.fresh_agent(agent.id)))
        assert [(c.id, c.state.value) for c in listed] == [(conversation, "waiting")]
        reply(world, agent, conversation, "still here")  # a parked conversation can be answered


def sender_on(services, send_queue: WorkQueue[OutboundItem]) -> OutboundStep:
    """The app's send step, putting its wake-ups on ``send_queue``."""
    return OutboundStep(
        services.conversations,
        services.access_tokens,
        services.wechat,
        services.outbox,
        Leases(services.storage.table(LEASES_TABLE), "send"),
        services.attachments,
        services.links,
        send_queue,
        services.feed,
        services.clock,
    )


def reply_unchecked(world, agent, conversation, text):
    """A reply without the window's quota (the simulator's quota is off for this test)."""
    world.services.outbox.quota = 1000
    return reply(world, agent, conversation, text)


def test_no_access_token_in_the_logs(chat, caplog):
    """WeChat puts the access token in the URL; nothing may log it."""
    import logging

    world, agent, _, conversation = chat
    with caplog.at_level(logging.DEBUG):
        reply(world, agent, conversation, "hello")
        world.services.outbound_step.send_pending(conversation)
    token = world.wechat_api.sent[-1].access_token
    assert token
    assert token not in caplog.text
    assert world.simulated.app_secret not in caplog.text


class _EmptyFirstPage:
    """A messages table that answers every query with an empty page first, as Table storage
    may when a filtered query scans a long partition (Azurite never does)."""

    def __init__(self, table):
        self._table = table

    def __getattr__(self, name):
        return getattr(self._table, name)

    def query_entities(self, *args, **kwargs):
        pager = self._table.query_entities(*args, **kwargs)

        class Pages:
            def by_page(self, *a, **kw):
                yield []
                yield from pager.by_page(*a, **kw)

            def __iter__(self):
                return iter(pager)

        return Pages()


def test_a_reply_goes_out_when_storage_answers_an_empty_page_first(chat, monkeypatch):
    world, agent, customer, conversation = chat
    conversations = world.services.conversations
    monkeypatch.setattr(conversations, "_messages", _EmptyFirstPage(conversations._messages))
    reply(world, agent, conversation, "still here")
    world.services.outbound_step.send_pending(conversation)
    sent = world.wechat_api.sent
    assert [m.body["text"]["content"] for m in sent if m.touser == customer.open_id] == [
        "still here"
    ]
