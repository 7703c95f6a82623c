"""Voice, location, link, Mini Program page and video pushes through the real intake on Azurite:
a voice message's recognition routes and is answered like text, the cards' fields are on the
transcript entry, and a video's thumbnail is kept beside it."""

from __future__ import annotations

import hashlib

from shared.desk.workspace import Actor, AgentWorkspace
from shared.store.names import ATTACHMENTS_CONTAINER

JPEG = b"\xff\xd8\xff\xe0" + b"t" * 500
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 3000


def only_entry(world, conversation_id):
    [entry] = world.services.conversations.transcript(conversation_id, limit=10)[0]
    return entry


def test_a_voice_messages_recognition_is_routed_by_a_text_rule(world):
    general, refunds = world.queue("general"), world.queue("refunds")
    world.workstream(
        general.id,
        routingRules=[
            {
                "name": "refund",
                "condition": {"field": "message.text", "op": "contains", "value": "退款"},
                "queueId": refunds.id,
            }
        ],
    )
    media_id = world.wechat_api.add_media(b"#!AMR\n" + bytes(20), "audio/amr", "voice")
    customer = world.customer()
    spoken = world.write(customer, customer.voice(media_id, recognition="我想退款。"))
    world.services.route_step.route(spoken)
    silent_customer = world.customer()
    silent = world.write(silent_customer, silent_customer.voice(media_id))
    world.services.route_step.route(silent)
    assert world.get(spoken).queue_id == refunds.id
    assert world.get(silent).queue_id == general.id  # no recognition: nothing to match
    assert only_entry(world, spoken).text == "我想退款。"


def test_the_faq_bot_answers_a_voice_question(world):
    queue = world.queue()
    faq = {
        "type": "faq",
        "entries": [
            {"name": "hours", "keywords": ["营业时间"], "answers": {"zh-CN": {"text": "9点到18点"}}}
        ],
    }
    world.workstream(queue.id, language="zh-CN", bot=faq)
    media_id = world.wechat_api.add_media(b"#!AMR\n" + bytes(20), "audio/amr", "voice")
    customer = world.customer()
    conversation = world.write(customer, customer.voice(media_id, recognition="你们营业时间是？"))
    world.services.bot_step.handle(conversation, only_entry(world, conversation).key)
    [reply] = world.outbound(conversation)
    assert (reply.text, reply.sender) == ("9点到18点", "bot")
    assert world.get(conversation).bot == "active"  # answered, not escalated


def test_cards_keep_their_fields_on_the_transcript_entry(world):
    queue = world.queue()
    world.workstream(queue.id)
    customer = world.customer()
    conversation = world.write(customer, customer.location(31.2304, 121.4737, label="外滩"))
    world.write(customer, customer.link("https://shop.example/p/1", title="商品", description="d"))
    world.write(customer, customer.miniprogrampage(title="订单", page_path="pages/o?id=1"))
    entries, _ = world.services.conversations.transcript(conversation, limit=10)
    views = {e.type: AgentWorkspace.entry_view(e) for e in entries}
    location = views["location"]["details"]["fields"]
    assert (location["location_x"], location["location_y"], location["label"]) == (
        31.2304,
        121.4737,
        "外滩",
    )
    assert location["scale"] == 20
    link = views["link"]["details"]["fields"]
    assert (link["title"], link["description"], link["url"]) == (
        "商品",
        "d",
        "https://shop.example/p/1",
    )
    page = views["miniprogrampage"]["details"]["fields"]
    assert (page["title"], page["app_id"], page["page_path"]) == (
        "订单",
        "wx0123456789abcdef",
        "pages/o?id=1",
    )
    assert page["thumb_media_id"] == "media-miniprogram-thumb"


def test_a_videos_thumbnail_is_kept_with_it_and_served(world):
    queue = world.queue()
    world.workstream(queue.id)
    video_id = world.wechat_api.add_media(VIDEO, "video/mp4", "video", "clip.mp4")
    thumb_id = world.wechat_api.add_media(JPEG, "image/jpeg", "thumb", "thumb.jpg")
    customer = world.customer()
    conversation = world.write(customer, customer.video(video_id, thumb_media_id=thumb_id))
    entry = only_entry(world, conversation)
    world.services.media_step.keep(conversation, entry.key)
    kept = world.services.conversations.entry(conversation, entry.key)
    assert kept.details["attachment"]["sha256"] == hashlib.sha256(VIDEO).hexdigest()
    thumbnail = kept.details["thumbnail"]
    assert thumbnail["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert thumbnail["filename"] == "poster-thumb.jpg"
    view = AgentWorkspace.entry_view(kept)
    assert view["thumbnail"]["url"] == view["attachment"]["url"] + "/thumbnail"
    content, content_type, _ = world.services.workspace.thumbnail(
        Actor(None), conversation, entry.key
    )
    assert (content, content_type) == (JPEG, "image/jpeg")
    container = world.services.storage.container(ATTACHMENTS_CONTAINER)
    assert container.get_blob_client(thumbnail["blob"]).exists()


def test_a_thumbnail_wechat_will_not_give_leaves_the_video_kept(world):
    queue = world.queue()
    world.workstream(queue.id)
    video_id = world.wechat_api.add_media(VIDEO, "video/mp4", "shortvideo", "clip.mp4")
    customer = world.customer()
    conversation = world.write(customer, customer.shortvideo(video_id, thumb_media_id="gone-thumb"))
    entry = only_entry(world, conversation)
    world.services.media_step.keep(conversation, entry.key)
    kept = world.services.conversations.entry(conversation, entry.key)
    assert "attachment" in kept.details
    assert "thumbnail" not in kept.details
    assert kept.details["thumbnailError"]
    assert "thumbnail" not in AgentWorkspace.entry_view(kept)
