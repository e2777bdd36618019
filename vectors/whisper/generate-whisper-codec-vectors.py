#!/usr/bin/env python3
"""Independent generator of known-answer vectors for the whisper package's codecs.

Python stdlib + `cryptography` only; shares no code with the TypeScript package. Implements from the
specs (EIP-627, NOTES.md) and go-ethereum's documented behaviour: RLP, Keccak-256, PoW and sealing
(first nonce from 0 reaching ceil(log2(target * (20 + len(data)) * ttl)) leading zero bits), bloom,
the data-field format (unsigned), AES-256-GCM (ct||tag||nonce), go-ethereum ECIES with fixed
ephemeral key and IV, and the shh/6 status / PoW / bloom / batch-ack / message-response packets.
Run once: python3 generate-whisper-codec-vectors.py > whisper-codec.json"""
import hashlib, hmac, json, math, struct
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

# ---- Keccak-256 (original padding 0x01, not SHA3's 0x06) ----
RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
      0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
      0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
      0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
      0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
M = (1 << 64) - 1

def rol(x, n):
    return ((x << n) | (x >> (64 - n))) & M if n else x

def keccak_f(A):
    for rc in RC:
        C = [A[x][0] ^ A[x][1] ^ A[x][2] ^ A[x][3] ^ A[x][4] for x in range(5)]
        D = [C[(x - 1) % 5] ^ rol(C[(x + 1) % 5], 1) for x in range(5)]
        A = [[A[x][y] ^ D[x] for y in range(5)] for x in range(5)]
        B = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                B[y][(2 * x + 3 * y) % 5] = rol(A[x][y], ROT[x][y])
        A = [[B[x][y] ^ ((~B[(x + 1) % 5][y]) & B[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        A[0][0] ^= rc
    return A

def keccak256(data):
    rate = 136
    msg = bytearray(data) + b'\x01'
    while len(msg) % rate:
        msg += b'\x00'
    msg[-1] |= 0x80
    A = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            A[x][y] ^= struct.unpack('<Q', block[8 * i:8 * i + 8])[0]
        A = keccak_f(A)
    out = b''
    for i in range(4):
        out += struct.pack('<Q', A[i % 5][i // 5])
    return out

assert keccak256(b'').hex() == 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

# ---- RLP ----
def rlp_len(n, off):
    if n < 56:
        return bytes([off + n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([off + 55 + len(b)]) + b

def rlp(x):
    if isinstance(x, int):
        x = x.to_bytes((x.bit_length() + 7) // 8, 'big') if x else b''
    if isinstance(x, (bytes, bytearray)):
        x = bytes(x)
        if len(x) == 1 and x[0] < 0x80:
            return x
        return rlp_len(len(x), 0x80) + x
    body = b''.join(rlp(i) for i in x)
    return rlp_len(len(body), 0xc0) + body

# ---- envelopes, PoW, bloom ----
def lz(h):
    n = int.from_bytes(h, 'big')
    return 256 - n.bit_length()

def seal(expiry, ttl, topic, data, target_pow):
    r = rlp([expiry, ttl, topic, data])
    bits = max(1, math.ceil(math.log2(target_pow * (20 + len(data)) * ttl)))
    nonce = 0
    while lz(keccak256(r + nonce.to_bytes(8, 'big'))) < bits:
        nonce += 1
    return nonce, bits

def pow_of(expiry, ttl, topic, data, nonce):
    r = rlp([expiry, ttl, topic, data])
    return 2 ** lz(keccak256(r + nonce.to_bytes(8, 'big'))) / len(r) / ttl

def bloom(topic):
    b = bytearray(64)
    for j in range(3):
        idx = topic[j] + (256 if topic[3] & (1 << j) else 0)
        b[idx // 8] = 1 << (idx % 8)
    return bytes(b)

def h(b):
    return '0x' + bytes(b).hex()

# ---- data field ----
def size_field_len(n):
    s = 1
    while n >= 256:
        s += 1
        n //= 256
    return s

def plaintext(payload, padding):
    s = size_field_len(len(payload))
    return bytes([s]) + len(payload).to_bytes(4, 'little')[:s] + payload + padding

def gcm(key, nonce, pt):
    return AESGCM(key).encrypt(nonce, pt, None) + nonce

def concat_kdf(z, length):
    out, counter = b'', 1
    while len(out) < length:
        out += hashlib.sha256(counter.to_bytes(4, 'big') + z).digest()
        counter += 1
    return out[:length]

def pub_uncompressed(priv_int):
    k = ec.derive_private_key(priv_int, ec.SECP256K1())
    return k, k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

def ecies(recipient_priv_int, eph_priv_int, iv, pt):
    _, rpub = pub_uncompressed(recipient_priv_int)
    eph, epub = pub_uncompressed(eph_priv_int)
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), rpub)
    z = eph.exchange(ec.ECDH(), peer)
    k = concat_kdf(z, 32)
    ke, km = k[:16], hashlib.sha256(k[16:]).digest()
    enc = Cipher(algorithms.AES(ke), modes.CTR(iv)).encryptor()
    c = enc.update(pt) + enc.finalize()
    tag = hmac.new(km, iv + c, hashlib.sha256).digest()
    return epub + iv + c + tag, rpub

def f64bits(x):
    return struct.unpack('>Q', struct.pack('>d', x))[0]

out = {
    'source': 'generated by generate-whisper-codec-vectors.py (independent Python implementation; see its docstring)',
    'envelopes': [], 'plaintexts': [], 'symmetric': [], 'asymmetric': [], 'status_packets': [], 'control_packets': {},
}

for (expiry, ttl, topic, data, target) in [
    (1795596455, 10, bytes.fromhex('cd423760'), bytes(range(64)), 0.002),
    (1795596455, 15, bytes.fromhex('9282f4c4'), bytes(i % 251 for i in range(1100)), 0.002),
    (1800000000, 50, bytes.fromhex('00000000'), b'', 0.2),
    (4294967295, 4294967295, bytes.fromhex('ffffffff'), b'\x80', 0.000002),
]:
    nonce, bits = seal(expiry, ttl, topic, data, target)
    env = rlp([expiry, ttl, topic, data, nonce])
    out['envelopes'].append({
        'expiry': expiry, 'ttl': ttl, 'topic': h(topic), 'data': h(data), 'pow_target': target,
        'target_bits': bits, 'sealed_nonce': nonce,
        'rlp_without_nonce': h(rlp([expiry, ttl, topic, data])),
        'envelope_rlp': h(env), 'envelope_hash': h(keccak256(env)),
        'pow': pow_of(expiry, ttl, topic, data, nonce), 'bloom': h(bloom(topic)),
        'messages_packet_rlp': h(rlp([[expiry, ttl, topic, data, nonce]])),
    })

for payload, padding in [(b'', bytes(255)), (b'hello', b'\x01\x02'), (bytes(i % 256 for i in range(300)), b'pad'), (bytes(70000), b'')]:
    pt = plaintext(payload, padding)
    entry = {'payload_length': len(payload), 'payload_rule': 'byte i = i % 256 for i < payload_length (zeros when 70000)' , 'padding': h(padding)}
    if len(payload) <= 300:
        entry['payload'] = h(payload)
        entry['plaintext'] = h(pt)
    else:
        entry['plaintext_header'] = h(pt[:4])
        entry['plaintext_length'] = len(pt)
    out['plaintexts'].append(entry)

sym_key = bytes(range(32))
for nonce_hex, pt in [('000102030405060708090a0b', plaintext(b'hello', b'\x01\x02')), ('ffffffffffffffffffffffff', plaintext(b'', bytes(255)))]:
    out['symmetric'].append({'key': h(sym_key), 'nonce': '0x' + nonce_hex, 'plaintext': h(pt), 'data': h(gcm(sym_key, bytes.fromhex(nonce_hex), pt))})

pt = plaintext(b'ecies known answer', bytes(5))
data, rpub = ecies(0x44 * (2 ** 256 - 1) // 255, 0x55 * (2 ** 256 - 1) // 255, bytes(range(16)), pt)
out['asymmetric'].append({
    'recipient_private_key': h((0x44 * (2 ** 256 - 1) // 255).to_bytes(32, 'big')), 'recipient_public_key': h(rpub),
    'ephemeral_private_key': h((0x55 * (2 ** 256 - 1) // 255).to_bytes(32, 'big')), 'iv': h(bytes(range(16))),
    'plaintext': h(pt), 'data': h(data),
})

full = b'\xff' * 64
tb = bloom(bytes.fromhex('cd423760'))
for name, fields in [
    ('version only', [6]),
    ('pow 0.2 (geth default)', [6, f64bits(0.2)]),
    ('status-go relay: pow 0.002, full bloom, not light, confirmations, no limits', [6, f64bits(0.002), full, 0, 1, [0, 0, 0]]),
    ('light client with a topic bloom and rate limits', [6, f64bits(0.000002), tb, 1, 0, [10, 5, 1000]]),
]:
    out['status_packets'].append({'name': name, 'payload': h(rlp(fields)), 'pow': struct.unpack('>d', struct.pack('>Q', fields[1]))[0] if len(fields) > 1 else None,
                                  'bloom': h(fields[2]) if len(fields) > 2 else None, 'light': bool(fields[3]) if len(fields) > 3 else None,
                                  'confirmations': bool(fields[4]) if len(fields) > 4 else None, 'rate_limits': fields[5] if len(fields) > 5 else None})

batch = keccak256(bytes.fromhex(out['envelopes'][0]['messages_packet_rlp'][2:]))
env_hash = bytes.fromhex(out['envelopes'][0]['envelope_hash'][2:])
out['control_packets'] = {
    'pow_requirement_0.002': h(rlp(f64bits(0.002))),
    'pow_requirement_0.2': h(rlp(f64bits(0.2))),
    'bloom_full': h(rlp(full)),
    'bloom_topic_cd423760': h(rlp(tb)),
    'batch_hash_of_envelope_0_packet': h(batch),
    'batch_ack': h(rlp(batch)),
    'message_response_no_errors': h(rlp([1, [batch, []]])),
    'message_response_time_sync_error': h(rlp([1, [batch, [[env_hash, 1, b'envelope created in the future']]]])),
    'message_response_env_hash': h(env_hash),
}
print(json.dumps(out, indent=1))
