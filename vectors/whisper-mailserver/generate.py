#!/usr/bin/env python3
"""Generates the mailserver codec known-answer vectors in this folder.

Independent of the TypeScript code under test: a minimal RLP encoder written from the
Ethereum yellow paper (appendix B) and the layouts in ../../../shared/NOTES.md
("Mailserver packets") and status-go v0.62.18 (waku/common MessagesRequest,
mailserver/request.go MessagesRequestPayload, waku/mailserver_response.go,
mailserver/db_key.go). Run once; the JSON output is checked in:

    python3 generate.py
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def rlp(x):
    if isinstance(x, int):
        x = b"" if x == 0 else x.to_bytes((x.bit_length() + 7) // 8, "big")
    if isinstance(x, (bytes, bytearray)):
        x = bytes(x)
        if len(x) == 1 and x[0] < 0x80:
            return x
        return header(len(x), 0x80) + x
    body = b"".join(rlp(i) for i in x)
    return header(len(body), 0xC0) + body


def header(n, offset):
    if n < 56:
        return bytes([offset + n])
    lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(lb)]) + lb


def topic_bloom(topic):
    # go-ethereum TopicToBloom: the byte is assigned (not OR-ed)
    b = bytearray(64)
    for j in range(3):
        idx = topic[j] + (256 if topic[3] & (1 << j) else 0)
        b[idx // 8] = 1 << (idx % 8)
    return bytes(b)


def or_blooms(topics):
    out = bytearray(64)
    for t in topics:
        for i, v in enumerate(topic_bloom(t)):
            out[i] |= v
    return bytes(out)


def h(b):
    return "0x" + bytes(b).hex()


def seq(n, start=1):
    return bytes((start + i) % 256 for i in range(n))


def sha(label):
    # deterministic 32-byte values (labels only; not a protocol hash)
    return hashlib.sha256(label.encode()).digest()


T1 = bytes.fromhex("aabbccdd")
T2 = bytes.fromhex("11223344")
T3 = bytes.fromhex("0000ff06")
REQ_ID = sha("request-1")
CURSOR = (1600050000).to_bytes(4, "big") + sha("last envelope")


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --- current MessagesRequest (P2P request, code 126) ---------------------------------------
def messages_request_case(name, id_, from_, to, limit, cursor, bloom, topics):
    encoded = rlp([id_, from_, to, limit, cursor, bloom, topics])
    return {
        "name": name,
        "request": {
            "id": h(id_),
            "from": from_,
            "to": to,
            "limit": limit,
            "cursor": h(cursor),
            "bloom": h(bloom),
            "topics": [h(t) for t in topics],
        },
        "rlp": h(encoded),
    }


mr_valid = [
    messages_request_case("topics and bloom, first page", REQ_ID, 1600000000, 1600086400, 100, b"", or_blooms([T1, T2]), [T1, T2]),
    messages_request_case("bloom only, next page", sha("request-2"), 1599999000, 1600086400, 1000, CURSOR, or_blooms([T3]), []),
    messages_request_case("topics only, no bloom", sha("request-3"), 1, 0xFFFFFFFF, 1, b"", b"", [T3]),
    messages_request_case("zero times and limit", sha("request-4"), 0, 0, 0, b"", b"\xff" * 64, []),
]
legacy6 = rlp([REQ_ID, 1600000000, 1600086400, 50, b"", or_blooms([T1])])
mr_decode_only = [
    {
        "name": "six fields, before topics were added",
        "rlp": h(legacy6),
        "request": {
            "id": h(REQ_ID), "from": 1600000000, "to": 1600086400, "limit": 50,
            "cursor": "0x", "bloom": h(or_blooms([T1])), "topics": [],
        },
    }
]


def bad(name, payload, code, request_id=None):
    d = {"name": name, "payload": h(payload), "code": code}
    if request_id is not None:
        d["request_id"] = h(request_id)
    return d


good_fields = [REQ_ID, 1600000000, 1600086400, 100, b"", or_blooms([T1]), [T1]]


def with_field(i, v):
    f = list(good_fields)
    f[i] = v
    return rlp(f)


E = "INVALID_MESSAGES_REQUEST"
mr_invalid = [
    bad("empty payload", b"", "MALFORMED_RLP"),
    bad("truncated RLP", rlp(good_fields)[:-3], "MALFORMED_RLP"),
    bad("trailing bytes", rlp(good_fields) + b"\x00", "MALFORMED_RLP"),
    bad("a byte string, not a list", rlp(REQ_ID), E),
    bad("eight fields", rlp(good_fields + [b""]), E),
    bad("five fields", rlp(good_fields[:5]), E),
    bad("id of 31 bytes", with_field(0, REQ_ID[:31]), E),
    bad("id is a list", with_field(0, [REQ_ID]), E),
    bad("from with a leading zero byte", with_field(1, b"\x00\x01"), E, REQ_ID),
    bad("to wider than uint32", with_field(2, (1 << 32)), E, REQ_ID),
    bad("limit above 1000", with_field(3, 1001), E, REQ_ID),
    bad("from after to", with_field(1, 1600086401), E, REQ_ID),
    bad("cursor of 10 bytes", with_field(4, b"\x01" * 10), E, REQ_ID),
    bad("bloom of 63 bytes", with_field(5, b"\xff" * 63), E, REQ_ID),
    bad("topic of 3 bytes", with_field(6, [b"\x01\x02\x03"]), E, REQ_ID),
    bad("topics is a byte string", with_field(6, T1), E, REQ_ID),
    bad("neither bloom nor topics", rlp([REQ_ID, 1, 2, 3, b"", b"", []]), E, REQ_ID),
]
write("messages-request.json", {
    "description": "Current mailserver P2P request (code 126 packet payload), status-go v0.62.18 waku/common.MessagesRequest: RLP [id (32), from (uint32), to (uint32), limit (uint32), cursor (bytes), bloom (64 bytes or empty), topics (list of 4-byte topics)]. Generated by generate.py (independent RLP encoder).",
    "valid": mr_valid,
    "decode_only": mr_decode_only,
    "invalid": mr_invalid,
})

# --- older request payload (inside the password-encrypted envelope) -------------------------
def payload_case(name, lower, upper, bloom, topics, limit, cursor, batch):
    encoded = rlp([lower, upper, bloom, topics, limit, cursor, b"\x01" if batch else b""])
    return {
        "name": name,
        "payload": {
            "lower": lower, "upper": upper, "bloom": h(bloom), "topics": [h(t) for t in topics],
            "limit": limit, "cursor": h(cursor), "batch": batch,
        },
        "rlp": h(encoded),
    }


pl_valid = [
    payload_case("status-go client request: bloom for backward compatibility, topics, batch", 1600000000, 1600086400, or_blooms([T1, T2]), [T1, T2], 100, b"", True),
    payload_case("bloom only, next page, no batch", 1599999000, 1600086400, or_blooms([T3]), [], 1000, CURSOR, False),
    payload_case("upper 0 (server picks now), limit 0 (server default)", 1600000000, 0, b"", [T1], 0, b"", True),
]
pre_topics = rlp([1600000000, 1600086400, or_blooms([T1]), 20, CURSOR, b"\x01"])
pl_decode_only = [
    {
        "name": "six fields, before topics were added",
        "rlp": h(pre_topics),
        "payload": {
            "lower": 1600000000, "upper": 1600086400, "bloom": h(or_blooms([T1])), "topics": [],
            "limit": 20, "cursor": h(CURSOR), "batch": True,
        },
    }
]
good_payload = [1600000000, 1600086400, or_blooms([T1]), [T1], 100, b"", b"\x01"]


def payload_with(i, v):
    f = list(good_payload)
    f[i] = v
    return rlp(f)


P = "INVALID_REQUEST_PAYLOAD"
pl_invalid = [
    bad("not RLP", b"\xf8", "MALFORMED_RLP"),
    bad("a byte string", rlp(b"hello"), P),
    bad("seven fields but topics not a list", payload_with(3, T1), P),
    bad("five fields", rlp(good_payload[:5]), P),
    bad("batch is 0x02", payload_with(6, b"\x02"), P),
    bad("lower after upper", payload_with(0, 1600086401), P),
    bad("limit above 1000", payload_with(4, 5000), P),
    bad("non-canonical limit", payload_with(4, b"\x00\x64"), P),
    bad("cursor of 37 bytes", payload_with(5, b"\x02" * 37), P),
    bad("bloom of 65 bytes", payload_with(2, b"\x01" * 65), P),
    bad("no bloom and no topics", rlp([1, 2, b"", [], 3, b"", b"\x01"]), P),
]
write("messages-request-payload.json", {
    "description": "Older mailserver request: the message payload inside the request envelope (symmetric, PBKDF2 of the mailserver password), status-go v0.62.18 mailserver.MessagesRequestPayload: RLP [lower, upper, bloom, topics, limit, cursor, batch (RLP bool: 0x01 or empty)]. Generated by generate.py.",
    "valid": pl_valid,
    "decode_only": pl_decode_only,
    "invalid": pl_invalid,
})

# --- request complete (code 125) ------------------------------------------------------------
LAST = sha("last envelope")
rc_valid = [
    {
        "name": "more history: id, last envelope hash, cursor",
        "complete": {"kind": "completed", "requestId": h(REQ_ID), "lastEnvelopeHash": h(LAST), "cursor": h(CURSOR)},
        "rlp": h(rlp(REQ_ID + LAST + CURSOR)),
    },
    {
        "name": "done: id and last envelope hash, empty cursor",
        "complete": {"kind": "completed", "requestId": h(REQ_ID), "lastEnvelopeHash": h(LAST), "cursor": "0x"},
        "rlp": h(rlp(REQ_ID + LAST)),
    },
    {
        "name": "nothing sent: zero last hash",
        "complete": {"kind": "completed", "requestId": h(REQ_ID), "lastEnvelopeHash": h(bytes(32)), "cursor": "0x"},
        "rlp": h(rlp(REQ_ID + bytes(32))),
    },
    {
        "name": "failed",
        "complete": {"kind": "failed", "requestId": h(REQ_ID), "error": "request is invalid: limit exceeds the maximum allowed value"},
        "rlp": h(rlp(b"ERROR=" + REQ_ID + b"request is invalid: limit exceeds the maximum allowed value")),
    },
]
rc_decode_only = [
    {
        "name": "request id only",
        "rlp": h(rlp(REQ_ID)),
        "complete": {"kind": "completed", "requestId": h(REQ_ID), "lastEnvelopeHash": h(bytes(32)), "cursor": "0x"},
    },
]
C = "INVALID_REQUEST_COMPLETE"
rc_invalid = [
    bad("a list, not a byte string", rlp([REQ_ID, LAST]), C),
    bad("31 bytes", rlp(REQ_ID[:31]), C),
    bad("id, hash and a 10-byte cursor", rlp(REQ_ID + LAST + b"\x01" * 10), C, REQ_ID),
    bad("id, hash and a 40-byte cursor (too long for status-go)", rlp(REQ_ID + LAST + CURSOR + T1), C, REQ_ID),
    bad("failure message not UTF-8", rlp(b"ERROR=" + REQ_ID + b"\xff\xfe"), C, REQ_ID),
    bad("empty", b"", "MALFORMED_RLP"),
]
write("request-complete.json", {
    "description": "Mailserver request complete (code 125 packet payload), status-go v0.62.18 CreateMailServerRequestCompletedPayload / CreateMailServerRequestFailedPayload: one RLP byte string, id (32) || last envelope hash (32) || cursor (36 or empty), or 'ERROR=' || id (32) || UTF-8 message. Generated by generate.py.",
    "valid": rc_valid,
    "decode_only": rc_decode_only,
    "invalid": rc_invalid,
})

# --- P2P messages (code 127) ----------------------------------------------------------------
env_a = rlp([1600000060, 60, T1, b"history one", 7])
env_b = rlp([1600000120, 120, T2, seq(70), 0x0102030405060708])
env_c = rlp([1600000000, 10, T3, b"", 0])
pm_valid = [
    {"name": "three envelopes (Waku: a list)", "envelopes": [h(env_a), h(env_b), h(env_c)], "rlp": h(rlp([[1600000060, 60, T1, b"history one", 7], [1600000120, 120, T2, seq(70), 0x0102030405060708], [1600000000, 10, T3, b"", 0]]))},
    {"name": "no envelopes", "envelopes": [], "rlp": h(rlp([]))},
]
pm_decode_only = [
    {"name": "a single envelope (older Whisper mailservers)", "rlp": h(env_b), "envelopes": [h(env_b)]},
]
M = "INVALID_P2P_MESSAGES"
pm_invalid = [
    bad("a byte string", rlp(b"abc"), M),
    bad("a list holding a byte string after an envelope", rlp([[1, 2, T1, b"", 0], b"x"]), M),
    bad("envelope with four fields", rlp([[1, 2, T1, b""]]), M),
    bad("envelope with a 3-byte topic", rlp([[1, 2, b"\x01\x02\x03", b"", 0]]), M),
    bad("envelope with a 5-byte expiry", rlp([[1 << 32, 2, T1, b"", 0]]), M),
    bad("envelope with a 9-byte nonce", rlp([[1, 2, T1, b"", 1 << 64]]), M),
    bad("envelope with a non-canonical ttl", rlp([[1, b"\x00\x02", T1, b"", 0]]), M),
    bad("truncated", rlp([[1, 2, T1, b"abc", 0]])[:-1], "MALFORMED_RLP"),
]
write("p2p-messages.json", {
    "description": "Mailserver P2P messages (code 127 packet payload): RLP list of envelopes [expiry, ttl, topic, data, nonce]; a single envelope is accepted on decode. Envelopes are listed as their exact RLP bytes. Generated by generate.py.",
    "valid": pm_valid,
    "decode_only": pm_decode_only,
    "invalid": pm_invalid,
})

# --- keys and cursors -----------------------------------------------------------------------
HASH = sha("an envelope")
write("db-key-and-cursor.json", {
    "description": "status-go v0.62.18 mailserver/db_key.go: DB key = sent time (uint32 big-endian, expiry - ttl) || envelope hash (32) || topic (4); cursor = the key's first 36 bytes. Generated by generate.py.",
    "vectors": [
        {"sent": 1600000000, "hash": h(HASH), "topic": h(T1),
         "db_key": h((1600000000).to_bytes(4, "big") + HASH + T1),
         "cursor": h((1600000000).to_bytes(4, "big") + HASH)},
        {"sent": 0, "hash": h(bytes(32)), "topic": h(bytes(4)), "db_key": h(bytes(40)), "cursor": h(bytes(36))},
        {"sent": 0xFFFFFFFF, "hash": h(b"\xff" * 32), "topic": h(b"\xff" * 4), "db_key": h(b"\xff" * 40), "cursor": h(b"\xff" * 36)},
    ],
})
