"""Every published vector in tests/vectors/wechat.json, with the sources it names."""

from __future__ import annotations

import pytest

from shared.wechat import (
    Channel,
    ErrorCode,
    MessageCipher,
    MessageCrypto,
    MessageMode,
    ProtocolError,
    parse_xml,
    seal_reply,
    verify_msg_signature,
    verify_signature,
    verify_url,
)


@pytest.fixture
def official(vectors):
    return vectors["official-message-push-AAAAA"]


@pytest.fixture
def wechatpy_crypto(vectors):
    return vectors["wechatpy-tests-crypto"]


def test_official_url_verification_answers_echostr(official):
    get = official["url_verification_get"]
    channel = Channel(token=official["token"], app_id=official["appid"], mode=MessageMode.PLAINTEXT)
    query = {k: get[k] for k in ("signature", "timestamp", "nonce", "echostr")}
    assert verify_url(query, channel) == get["expected_response_body"]


def test_official_plaintext_post_signature(official):
    post = official["plaintext_post"]
    verify_signature(official["token"], post["timestamp"], post["nonce"], post["signature"])


def test_official_safe_mode_post_decrypts(official):
    post = official["safe_mode_post"]
    query = post["query"]
    verify_signature(official["token"], query["timestamp"], query["nonce"], query["signature"])
    verify_msg_signature(
        official["token"],
        query["timestamp"],
        query["nonce"],
        post["Encrypt"],
        query["msg_signature"],
    )
    text = MessageCipher(official["encoding_aes_key"], official["appid"]).decrypt(post["Encrypt"])
    assert text == post["expected_plaintext"]
    assert len(text.encode()) == post["expected_msg_len"]


def test_official_encrypted_reply_is_byte_exact(official):
    reply = official["encrypted_reply"]
    crypto = MessageCrypto(official["appid"], [official["encoding_aes_key"]])
    envelope = seal_reply(
        reply["plaintext"],
        crypto=crypto,
        token=official["token"],
        timestamp=int(reply["TimeStamp"]),
        nonce=reply["Nonce"],
        random_prefix=reply["random16"].encode(),
    )
    fields = parse_xml(envelope)
    assert fields == {
        "Encrypt": reply["expected_Encrypt"],
        "MsgSignature": reply["expected_MsgSignature"],
        "TimeStamp": reply["TimeStamp"],
        "Nonce": reply["Nonce"],
    }


def test_wechatpy_decrypt_vector(wechatpy_crypto):
    case = wechatpy_crypto["decrypt"]
    verify_msg_signature(
        wechatpy_crypto["token"],
        case["timestamp"],
        case["nonce"],
        case["Encrypt"],
        case["msg_signature"],
    )
    cipher = MessageCipher(wechatpy_crypto["encoding_aes_key"], wechatpy_crypto["receive_id"])
    fields = parse_xml(cipher.decrypt(case["Encrypt"]))
    assert fields["Content"] == case["expected_Content"]
    assert fields["FromUserName"] == case["expected_FromUserName"]


def test_wechatpy_encrypt_vector(wechatpy_crypto):
    case = wechatpy_crypto["encrypt"]
    crypto = MessageCrypto(wechatpy_crypto["receive_id"], [wechatpy_crypto["encoding_aes_key"]])
    fields = parse_xml(
        seal_reply(
            case["plaintext"],
            crypto=crypto,
            token=wechatpy_crypto["token"],
            timestamp=int(case["timestamp"]),
            nonce=case["nonce"],
            random_prefix=case["random16"].encode(),
        )
    )
    assert fields["Encrypt"] == case["expected_Encrypt"]
    assert fields["MsgSignature"] == case["expected_MsgSignature"]


def test_wechatpy_wecom_url_verification(wechatpy_crypto):
    """WeCom's encrypted echostr: same msg_signature and AES as a Service account's push."""
    case = wechatpy_crypto["wecom_url_verification"]
    token = wechatpy_crypto["token"]
    verify_msg_signature(
        token, case["timestamp"], case["nonce"], case["echostr"], case["msg_signature"]
    )
    cipher = MessageCipher(wechatpy_crypto["encoding_aes_key"], wechatpy_crypto["receive_id"])
    assert cipher.decrypt(case["echostr"])  # decrypts and the receive id matches
    with pytest.raises(ProtocolError) as caught:
        verify_msg_signature(
            token, case["timestamp"], "437374424", case["echostr"], case["msg_signature"]
        )
    assert caught.value.code is ErrorCode.BAD_SIGNATURE


def test_wechatpy_check_signature_vector(vectors):
    case = vectors["wechatpy-tests-check-signature"]
    verify_signature(case["token"], case["timestamp"], case["nonce"], case["signature"])
    with pytest.raises(ProtocolError) as caught:
        verify_signature(
            case["token"], case["timestamp"], case["nonce"], case["negative_signature"]
        )
    assert caught.value.code is ErrorCode.BAD_SIGNATURE


def test_official_safe_mode_layout(official):
    """The raw layout under the Base64: random prefix, byte length, message, AppID, padding."""
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    post = official["safe_mode_post"]
    key = bytes.fromhex(official["aes_key_hex"])
    data = base64.b64decode(post["Encrypt"])
    assert len(data) == post["expected_ciphertext_bytes"]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    assert plain[:16] == post["expected_random16"].encode()
    assert int.from_bytes(plain[16:20], "big") == post["expected_msg_len"]
    assert len(plain) - plain[-1] == post["expected_fullstr_bytes"]
