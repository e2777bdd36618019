#!/usr/bin/env python3
"""Known answers for Waku status / status-update packets (vac 6/WAKU1; NOTES.md).

An independent implementation (stdlib only, shares no code with the TypeScript package):
waku/1 status = RLP list of [key, value] pairs with integer keys, in ascending key order, only the
options that are set; waku/0 status = [0, pairs] with the keys as decimal strings ("0" = 0x30) and no
key 6. PoW = IEEE-754 float64 bits as an RLP integer; booleans 0x01 / 0x80.

    python3 generate-waku-status-vectors.py > waku-status.json
"""
import json
import struct


def enc_len(n, offset):
    if n < 56:
        return bytes([offset + n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([offset + 55 + len(b)]) + b


def rlp(x):
    if isinstance(x, bool):
        x = 1 if x else 0
    if isinstance(x, int):
        x = b'' if x == 0 else x.to_bytes((x.bit_length() + 7) // 8, 'big')
    if isinstance(x, (bytes, bytearray)):
        x = bytes(x)
        if len(x) == 1 and x[0] < 0x80:
            return x
        return enc_len(len(x), 0x80) + x
    body = b''.join(rlp(i) for i in x)
    return enc_len(len(body), 0xc0) + body


def pow_bits(f):
    return struct.unpack('>Q', struct.pack('>d', f))[0]


def pairs(o, version):
    out = []
    order = ['powRequirement', 'bloom', 'lightNode', 'confirmationsEnabled', 'packetRateLimits', 'topicInterest', 'bytesRateLimits']
    for key, name in enumerate(order):
        if name not in o:
            continue
        if version == 0 and key == 6:
            continue
        v = o[name]
        if name == 'powRequirement':
            v = pow_bits(v)
        elif name == 'bloom':
            v = bytes.fromhex(v[2:])
        elif name in ('packetRateLimits', 'bytesRateLimits'):
            v = [int(v['ipLimits']), int(v['peerIdLimits']), int(v['topicLimits'])]
        elif name == 'topicInterest':
            v = [bytes.fromhex(t[2:]) for t in v]
        k = str(key).encode() if version == 0 else key
        out.append([k, v])
    return out


def hx(b):
    return '0x' + b.hex()


bloom_pattern = bytes((i * 37 + 11) & 0xff for i in range(64))
cases = [
    {'name': 'full node, topic-interest mode (no bloom, no topics), both limits zero: what status-go v0.62.18 sends',
     'options': {'powRequirement': 0.002, 'lightNode': False, 'confirmationsEnabled': True,
                 'packetRateLimits': {'ipLimits': '0', 'peerIdLimits': '0', 'topicLimits': '0'},
                 'bytesRateLimits': {'ipLimits': '0', 'peerIdLimits': '0', 'topicLimits': '0'}}},
    {'name': 'light node with topic interest and both rate limits',
     'options': {'powRequirement': 0.000002, 'lightNode': True, 'confirmationsEnabled': False,
                 'packetRateLimits': {'ipLimits': '10', 'peerIdLimits': '5', 'topicLimits': '100'},
                 'topicInterest': ['0xcd423760', '0xf8946aac', '0x00000000'],
                 'bytesRateLimits': {'ipLimits': '1048576', 'peerIdLimits': '524288', 'topicLimits': '0'}}},
    {'name': 'bloom mode, PoW 0.2, full bloom',
     'options': {'powRequirement': 0.2, 'bloom': hx(b'\xff' * 64), 'lightNode': False, 'confirmationsEnabled': True}},
    {'name': 'bloom mode, arbitrary bloom, huge limits',
     'options': {'powRequirement': 1.5, 'bloom': hx(bloom_pattern),
                 'packetRateLimits': {'ipLimits': str(2**64 - 1), 'peerIdLimits': '256', 'topicLimits': '1'}}},
    {'name': 'status update: PoW requirement only', 'options': {'powRequirement': 0.001}},
    {'name': 'status update: empty topic interest (wants nothing)', 'options': {'topicInterest': []}},
    {'name': 'status update: bloom only', 'options': {'bloom': hx(bloom_pattern)}},
    {'name': 'empty option list', 'options': {}},
]
for c in cases:
    c['waku1_status'] = hx(rlp(pairs(c['options'], 1)))
    c['waku0_status'] = hx(rlp([0, pairs(c['options'], 0)]))
    c['waku0_options'] = hx(rlp(pairs(c['options'], 0)))

# Inputs a decoder must read the same way whatever the writer's habits: unknown keys skipped, any order.
decode_cases = [
    {'name': 'unknown key 7 and 1000 (with list and string values) are ignored', 'version': 1,
     'payload': hx(rlp([[7, [b'x', [b'y']]], [0, pow_bits(0.5)], [1000, b'zz'], [2, True]])),
     'expected': {'powRequirement': 0.5, 'lightNode': True}},
    {'name': 'keys out of order', 'version': 1,
     'payload': hx(rlp([[3, True], [5, [bytes.fromhex('01020304')]], [0, pow_bits(0.25)]])),
     'expected': {'powRequirement': 0.25, 'confirmationsEnabled': True, 'topicInterest': ['0x01020304']}},
    {'name': 'waku/0 with an unknown string key "9" and key "6" (not defined in v0)', 'version': 0,
     'payload': hx(rlp([0, [[b'9', b'whatever'], [b'6', [1, 2, 3]], [b'2', False], [b'0', pow_bits(0.002)]]])),
     'expected': {'powRequirement': 0.002, 'lightNode': False}},
    {'name': 'both bloom and topic interest (the receiver prefers the topics)', 'version': 1,
     'payload': hx(rlp([[1, b'\xff' * 64], [5, [bytes.fromhex('aabbccdd')]]])),
     'expected': {'bloom': hx(b'\xff' * 64), 'topicInterest': ['0xaabbccdd']}},
]
# Payloads a decoder must reject with a typed error.
invalid_cases = [
    {'name': 'not a list', 'version': 1, 'payload': hx(rlp(b'abc'))},
    {'name': 'an option that is not a pair list', 'version': 1, 'payload': hx(rlp([b'\x01']))},
    {'name': 'PoW is NaN', 'version': 1, 'payload': hx(rlp([[0, 0x7ff8000000000000]]))},
    {'name': 'PoW is negative', 'version': 1, 'payload': hx(rlp([[0, pow_bits(-1.0)]]))},
    {'name': 'bloom of 63 bytes', 'version': 1, 'payload': hx(rlp([[1, b'\xff' * 63]]))},
    {'name': 'topic of 3 bytes', 'version': 1, 'payload': hx(rlp([[5, [b'abc']]]))},
    {'name': 'light node value 2', 'version': 1, 'payload': hx(rlp([[2, 2]]))},
    {'name': 'rate limits with 2 items', 'version': 1, 'payload': hx(rlp([[4, [1, 2]]]))},
    {'name': 'topic interest of 10001 topics', 'version': 1, 'payload': hx(rlp([[5, [b'\x00\x00\x00\x01'] * 10001]]))},
    {'name': 'waku/0 status with version 1', 'version': 0, 'payload': hx(rlp([1, []]))},
    {'name': 'waku/0 status without options', 'version': 0, 'payload': hx(rlp([0]))},
    {'name': 'truncated RLP', 'version': 1, 'payload': '0xc5c3800102'},
]

print(json.dumps({
    'generator': 'vectors/whisper/generate-waku-status-vectors.py (independent, stdlib only)',
    'encoding_cases': cases,
    'decode_cases': decode_cases,
    'invalid_cases': invalid_cases,
}, indent=2))
