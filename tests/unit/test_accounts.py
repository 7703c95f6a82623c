"""Account rules that need no storage: masking, rotation, secrets sealing, ids."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from shared.core.ids import short_id, sortable_id
from shared.core.secretbox import SecretBox, SecretBoxError
from shared.core.settings import key_id
from shared.model.accounts import Account, AccountPatch, mask
from shared.wechat import MessageMode

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
KEY_A, KEY_B = "A" * 43, "B" * 43


def account(**changes) -> Account:
    base = {
        "id": "acc1",
        "name": "n",
        "original_id": "gh_1",
        "app_id": "wx" + "0" * 16,
        "app_secret": "a" * 32,
        "token": "tok",
        "encoding_aes_key": KEY_A,
        "message_mode": MessageMode.SAFE,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Account(**{**base, **changes})


def test_rotation_keeps_the_previous_key_for_the_grace_period():
    rotated = account().patched(AccountPatch(encoding_aes_key=KEY_B), NOW, timedelta(hours=24))
    assert rotated.encoding_aes_keys(NOW) == (KEY_B, KEY_A)
    assert rotated.encoding_aes_keys(NOW + timedelta(hours=23)) == (KEY_B, KEY_A)
    assert rotated.encoding_aes_keys(NOW + timedelta(hours=24)) == (KEY_B,)


def test_setting_the_same_key_again_is_not_a_rotation():
    same = account().patched(AccountPatch(encoding_aes_key=KEY_A), NOW, timedelta(hours=24))
    assert same.encoding_aes_keys(NOW) == (KEY_A,)


def test_repr_holds_no_secret():
    text = repr(account(previous_encoding_aes_key=KEY_B))
    for secret in ("a" * 32, "tok", KEY_A, KEY_B):
        assert secret not in text


def test_mask():
    assert mask("0123456789abcdef0123456789abcdef") == "****cdef"
    assert mask("short") == "****"
    assert mask("0123456789abcdef0123", visible=0) == "****"


class TestSecretBox:
    key = bytes(range(32))
    box = SecretBox({key_id(key): key})

    def test_round_trip_bound_to_its_owner(self):
        kid, sealed = self.box.seal({"token": "t", "appSecret": "s"}, context="acc1")
        assert self.box.open(kid, sealed, context="acc1") == {"token": "t", "appSecret": "s"}
        with pytest.raises(SecretBoxError):
            self.box.open(kid, sealed, context="acc2")  # moved to another row

    def test_tampering_is_detected(self):
        kid, sealed = self.box.seal({"token": "t"}, context="a")
        raw = bytearray(base64.b64decode(sealed))
        raw[-1] ^= 1
        with pytest.raises(SecretBoxError):
            self.box.open(kid, base64.b64encode(bytes(raw)).decode(), context="a")

    def test_rotation_previous_key_still_opens(self):
        new = bytes(32)
        old_kid, sealed = self.box.seal({"token": "t"}, context="a")
        rotated = SecretBox({key_id(new): new, key_id(self.key): self.key})
        assert rotated.open(old_kid, sealed, context="a") == {"token": "t"}
        assert rotated.seal({"x": "y"}, context="a")[0] == key_id(new)
        with pytest.raises(SecretBoxError, match="SECRETS_KEY_PREVIOUS"):
            SecretBox({key_id(new): new}).open(old_kid, sealed, context="a")

    def test_sealing_is_randomised(self):
        assert self.box.seal({"a": "b"}, "c")[1] != self.box.seal({"a": "b"}, "c")[1]


def test_sortable_ids_sort_by_time_either_way():
    early, late = sortable_id(1_000_000.0), sortable_id(2_000_000.0)
    assert early < late
    assert sortable_id(2_000_000.0, newest_first=True) < sortable_id(1_000_000.0, newest_first=True)
    assert len(early) == 20
    assert len({short_id() for _ in range(1000)}) == 1000
    assert "-" not in short_id()
