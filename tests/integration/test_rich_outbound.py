"""Video with a thumbnail, news and mini-program cards on Azurite and the WeChat API simulator:
the payloads WeChat gets, the reply window they use, their uploads again after expiry or a
40007, and refusals; and the account's material library behind a FAQ bot's image answer."""

from __future__ import annotations

import pytest

from shared.core.errors import ConflictError, ForbiddenError, InvalidRequestError
from shared.desk.workspace import Actor
from shared.model.accounts import AccountPatch
from shared.model.conversations import utc
from shared.model.rich_messages import MiniProgramCard, NewsMessageRequest, VideoDetails
from shared.pipeline.send_attempts import backoff_seconds
from tests.integration.test_bots_and_privacy import last_customer_key

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000
JPEG = b"\xff\xd8\xff\xe0" + b"\x11" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MINI_APP = "wx00112233445566aa"


def actor(world, agent):
    return Actor(world.fresh_agent(agent.id))


def news(**fields):
    article = {"title": "Refund status", "url": "https://shop.example.com/r/42", **fields}
    return NewsMessageRequest.model_validate({"news": article})


class TestVideo:
    def test_a_video_and_its_thumbnail_are_uploaded_and_sent(self, chat):
        world, agent, _, conversation = chat
        entry = world.services.workspace.send_file(
            actor(world, agent),
            conversation,
            "unboxing.mp4",
            MP4,
            thumb=("cover.jpg", JPEG),
            video=VideoDetails(title="Unboxing", description="How to open the box"),
        )
        assert (entry.type, entry.text, entry.details["video"]["title"]) == (
            "video",
            "Unboxing",
            "Unboxing",
        )
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        video = message.body["video"]
        assert message.msgtype == "video"
        assert (video["title"], video["description"]) == ("Unboxing", "How to open the box")
        assert world.wechat_api.media(video["media_id"]).kind == "video"
        assert world.wechat_api.media(video["media_id"]).content == MP4
        assert world.wechat_api.media(video["thumb_media_id"]).kind == "thumb"
        assert world.wechat_api.media(video["thumb_media_id"]).content == JPEG
        assert [e.status for e in world.outbound(conversation)] == ["sent"]

    def test_a_video_without_a_thumbnail_has_no_thumb_media_id(self, chat):
        world, agent, _, conversation = chat
        world.services.workspace.send_file(actor(world, agent), conversation, "a.mp4", MP4)
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert set(message.body["video"]) == {"media_id"}

    def test_a_40007_uploads_the_video_and_the_thumbnail_again(self, chat):
        world, agent, _, conversation = chat
        world.services.workspace.send_file(
            actor(world, agent), conversation, "a.mp4", MP4, thumb=("t.jpg", JPEG)
        )
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=40007)
        world.services.outbound_step.send_pending(conversation)
        assert world.wechat_api.calls("/cgi-bin/media/upload") == 4  # video, thumb, twice
        [message] = world.wechat_api.sent
        assert world.wechat_api.media(message.body["video"]["thumb_media_id"]).content == JPEG

    def test_an_upload_within_the_reuse_period_is_reused_and_an_older_one_redone(self, chat):
        world, agent, _, conversation = chat
        entry = world.services.workspace.send_file(
            actor(world, agent), conversation, "a.mp4", MP4, thumb=("t.jpg", JPEG)
        )
        kept_video = world.wechat_api.add_media(MP4, "video/mp4", "video", "a.mp4")
        now = world.services.clock()
        uploads = {
            "attachment": {"id": kept_video, "at": utc(now - 3600).isoformat()},
            "thumbAttachment": {"id": "EXPIRED", "at": utc(now - 61 * 3600).isoformat()},
        }
        world.services.conversations.update_entry(
            entry, details={**entry.details, "wechatMedia": uploads}
        )
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert message.body["video"]["media_id"] == kept_video  # an hour old: reused
        thumb = message.body["video"]["thumb_media_id"]
        assert thumb != "EXPIRED"
        assert world.wechat_api.media(thumb).content == JPEG
        assert world.wechat_api.calls("/cgi-bin/media/upload") == 1

    def test_a_retry_reuses_the_uploads_until_they_may_have_expired(self, chat):
        world, agent, _, conversation = chat
        world.services.workspace.send_file(
            actor(world, agent), conversation, "a.mp4", MP4, thumb=("t.jpg", JPEG)
        )
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=-1, times=2)
        world.services.outbound_step.send_pending(conversation)  # uploaded, then WeChat busy
        [entry] = world.outbound(conversation)
        assert entry.status == "queued"
        assert set(entry.details["wechatMedia"]) == {"attachment", "thumbAttachment"}
        world.clock.advance(backoff_seconds(1))
        world.services.outbound_step.send_pending(conversation)  # busy again: nothing uploaded
        assert world.wechat_api.calls("/cgi-bin/message/custom/send") == 2
        assert world.wechat_api.calls("/cgi-bin/media/upload") == 2
        world.clock.advance(61 * 3600)  # past the reuse period
        world.wechat_api.customer_wrote(world.simulated.app_id, world.get(conversation).open_id)
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert world.wechat_api.calls("/cgi-bin/media/upload") == 4
        assert world.wechat_api.media(message.body["video"]["thumb_media_id"]).content == JPEG

    def test_a_thumbnail_must_be_a_small_jpeg_and_go_with_a_video(self, chat):
        world, agent, _, conversation = chat
        workspace = world.services.workspace
        with pytest.raises(InvalidRequestError, match="JPEG"):
            workspace.send_file(actor(world, agent), conversation, "a.mp4", MP4, thumb=("t", PNG))
        big = JPEG + b"\x00" * (64 * 1024)
        with pytest.raises(InvalidRequestError, match="64 KB"):
            workspace.send_file(actor(world, agent), conversation, "a.mp4", MP4, thumb=("t", big))
        with pytest.raises(InvalidRequestError, match="only with an MP4"):
            workspace.send_file(actor(world, agent), conversation, "a.png", PNG, thumb=("t", JPEG))
        assert world.outbound(conversation) == []

    def test_an_mp4_over_10_mb_goes_as_a_link(self, chat):
        world, agent, _, conversation = chat
        big = MP4 + b"\x00" * (10 * 1024 * 1024)
        entry = world.services.workspace.send_file(actor(world, agent), conversation, "b.mp4", big)
        assert entry.type == "file"


class TestNews:
    def test_one_article_goes_with_its_fields(self, chat):
        world, agent, _, conversation = chat
        request = news(description="Tap to see", picUrl="https://shop.example.com/p.png")
        entry = world.services.workspace.send_news(actor(world, agent), conversation, request)
        assert (entry.type, entry.text) == ("news", "Refund status")
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert message.body["news"] == {
            "articles": [
                {
                    "title": "Refund status",
                    "url": "https://shop.example.com/r/42",
                    "description": "Tap to see",
                    "picurl": "https://shop.example.com/p.png",
                }
            ]
        }

    def test_news_takes_a_slot_in_the_reply_window(self, chat):
        world, agent, _, conversation = chat
        before = world.services.workspace.window(world.get(conversation)).messages_left
        world.services.workspace.send_news(actor(world, agent), conversation, news())
        after = world.services.workspace.window(world.get(conversation)).messages_left
        assert after == before - 1

    def test_a_refusal_fails_the_message_with_wechats_errcode(self, chat):
        world, agent, _, conversation = chat
        world.services.workspace.send_news(actor(world, agent), conversation, news())
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/message/custom/send", errcode=45008)
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert (entry.status, entry.details["errcode"]) == ("failed", 45008)


class TestMiniProgramCards:
    @pytest.fixture
    def linked(self, chat):
        world = chat[0]
        world.services.accounts.update(
            world.account.id, AccountPatch.model_validate({"miniProgramAppIds": [MINI_APP]})
        )
        world.wechat_api.linked_mini_programs[world.simulated.app_id] = {MINI_APP}
        return chat

    def card(self, app_id=MINI_APP):
        return MiniProgramCard.model_validate(
            {"title": "Track order", "appId": app_id, "pagePath": "pages/order/index?id=42"}
        )

    def test_a_card_goes_with_its_cover_uploaded_as_an_image(self, linked):
        world, agent, _, conversation = linked
        entry = world.services.workspace.send_mini_program_card(
            actor(world, agent), conversation, self.card(), ("cover.png", PNG)
        )
        assert (entry.type, entry.text) == ("miniprogrampage", "Track order")
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        page = message.body["miniprogrampage"]
        assert (page["title"], page["appid"], page["pagepath"]) == (
            "Track order",
            MINI_APP,
            "pages/order/index?id=42",
        )
        cover = world.wechat_api.media(page["thumb_media_id"])
        assert (cover.kind, cover.content) == ("image", PNG)

    def test_capabilities_list_the_linked_mini_programs(self, linked):
        world, agent, _, conversation = linked
        found = world.services.workspace.capabilities(actor(world, agent), world.get(conversation))
        assert found.mini_program_app_ids == [MINI_APP]

    def test_only_linked_mini_programs(self, linked):
        world, agent, _, conversation = linked
        with pytest.raises(ForbiddenError) as refused:
            world.services.workspace.send_mini_program_card(
                actor(world, agent), conversation, self.card("wx99999999999999ff"), ("c", PNG)
            )
        assert refused.value.code == "mini_program_not_linked"
        assert world.outbound(conversation) == []

    def test_wechat_refusing_the_mini_program_fails_the_card(self, linked):
        world, agent, _, conversation = linked
        world.wechat_api.linked_mini_programs[world.simulated.app_id] = set()  # unlinked since
        world.services.workspace.send_mini_program_card(
            actor(world, agent), conversation, self.card(), ("c.png", PNG)
        )
        world.services.outbound_step.send_pending(conversation)
        [entry] = world.outbound(conversation)
        assert (entry.status, entry.details["errcode"]) == ("failed", 40013)


class TestMaterials:
    def test_an_uploaded_image_answers_a_faq_entry(self, world):
        library = world.services.materials
        material = library.upload(world.account.id, "Store map", "map.png", PNG)
        assert (material.name, material.type, material.size) == ("Store map", "image", len(PNG))
        assert material.url
        assert material.url.startswith("http")
        stored = world.wechat_api.media(material.media_id)
        assert stored.permanent
        assert stored.content == PNG
        assert [m.id for m in library.list(world.account.id)] == [material.id]

        queue = world.queue()
        faq = {
            "type": "faq",
            "entries": [
                {
                    "name": "map",
                    "keywords": ["map"],
                    "answers": {"en": {"image": {"mediaId": material.media_id}}},
                }
            ],
        }
        world.workstream(queue.id, language="en", bot=faq)
        customer = world.customer()
        conversation = world.write(customer, customer.text("a map please"))
        world.services.bot_step.handle(conversation, last_customer_key(world, conversation))
        world.clock.advance(4 * 24 * 3600 - 60)  # materials do not expire as temporary media
        world.wechat_api.customer_wrote(world.simulated.app_id, customer.open_id)
        world.services.outbound_step.send_pending(conversation)
        [message] = world.wechat_api.sent
        assert message.body == {
            "touser": customer.open_id,
            "msgtype": "image",
            "image": {"media_id": material.media_id},
        }

    def test_deleting_removes_it_from_wechat_too(self, world):
        library = world.services.materials
        material = library.upload(world.account.id, None, "logo.jpg", JPEG)
        assert material.name == "logo.jpg"
        library.remove(world.account.id, material.id)
        assert library.list(world.account.id) == []
        assert world.wechat_api.media(material.media_id) is None

    def test_only_images_within_the_limit(self, world):
        library = world.services.materials
        with pytest.raises(InvalidRequestError, match="JPEG, PNG, GIF or BMP"):
            library.upload(world.account.id, "x", "x.pdf", b"%PDF-1.4")
        assert world.wechat_api.calls("/cgi-bin/material/add_material") == 0

    def test_wechat_refusing_the_upload_is_a_conflict_with_its_errcode(self, world):
        world.services.access_tokens.get(world.account.id)
        world.wechat_api.inject("/cgi-bin/material/add_material", errcode=45001)
        with pytest.raises(ConflictError, match="45001"):
            world.services.materials.upload(world.account.id, "x", "x.png", PNG)
        assert world.services.materials.list(world.account.id) == []

    def test_a_deleted_accounts_records_go(self, world):
        library = world.services.materials
        library.upload(world.account.id, "a", "a.png", PNG)
        world.services.account_removal.remove(world.account.id)
        assert library._store.list(world.account.id) == []
