import { describe, expect, it, onTestFinished } from 'vitest';
import { availableBackends, bytesToHex, compressPublicKey, getBackend, hexToBytes, useBackend } from '@status-stack/crypto';
import {
  MemorySessionStore,
  SecureTransport,
  decodeProtocolMessage,
  decryptWithDh,
  encodeProtocolMessage,
  verifyBundle,
} from '../src/index.js';
import { loadVector, openAsymmetricEnvelopeData } from './helpers.js';

interface Decoded {
  waku_message?: { payload: string; signer_pubkey: string };
  decrypted_payload?: string;
  protocol_message?: {
    installation_id: string;
    bundles_detail: { identity: string; signature: string; timestamp: number; signed_pre_keys: Record<string, { signed_pre_key: string; version: number; protocol_version: number }> }[];
  };
}
interface Captured {
  identities: Record<'A' | 'B', { private_key: string; public_key: string }>;
  negotiated_secret_A_B: { shared_secret: string };
  envelopes: { envelope: { data: string }; decoded_by: Partial<Record<'A' | 'B', Decoded>> }[];
}

const v = loadVector<Captured>('status-fullstack-captured-waku1.json');
const b64 = (s: string): string => bytesToHex(new Uint8Array(Buffer.from(s, 'base64')));
const A = v.identities.A;
const B = v.identities.B;
const firstContact = v.envelopes[1];
const decodedByA = firstContact.decoded_by.A!;

describe('first-contact 1:1 envelope captured from status-go v0.62.18', () => {
  it('the envelope data opens (test-only ECIES helper) to the recorded ProtocolMessage', () => {
    const { payload, signature } = openAsymmetricEnvelopeData(hexToBytes(A.private_key), hexToBytes(firstContact.envelope.data));
    expect(bytesToHex(payload)).toBe(decodedByA.waku_message!.payload.slice(2));
    expect(signature).not.toBeNull();
  });

  it('decodes, re-encodes byte for byte, and its bundle verifies and recovers B', () => {
    const bytes = hexToBytes(decodedByA.waku_message!.payload);
    const msg = decodeProtocolMessage(bytes);
    expect(bytesToHex(encodeProtocolMessage(msg))).toBe(bytesToHex(bytes));
    expect(msg.installationId).toBe(decodedByA.protocol_message!.installation_id);
    expect([...msg.directMessage.keys()]).toEqual(['none']);
    const recorded = decodedByA.protocol_message!.bundles_detail;
    expect(msg.bundles).toHaveLength(recorded.length);
    for (const [i, b] of msg.bundles.entries()) {
      const identity = verifyBundle(b);
      expect(bytesToHex(identity)).toBe(b64(recorded[i].identity));
      expect(bytesToHex(identity)).toBe(bytesToHex(compressPublicKey(hexToBytes(B.public_key))));
      expect(bytesToHex(b.signature)).toBe(b64(recorded[i].signature));
      for (const [id, spk] of Object.entries(recorded[i].signed_pre_keys)) {
        expect(bytesToHex(b.signedPreKeys.get(id)!.signedPreKey)).toBe(b64(spk.signed_pre_key));
        expect(b.signedPreKeys.get(id)!.version).toBe(spk.version);
        expect(b.signedPreKeys.get(id)!.protocolVersion).toBe(spk.protocol_version);
      }
    }
  });

  it('opens through the DH_header path with A’s key to the recorded MVDS payload', () => {
    const msg = decodeProtocolMessage(hexToBytes(decodedByA.waku_message!.payload));
    const entry = msg.directMessage.get('none')!;
    expect(entry.dhHeader).toBeDefined();
    expect(entry.x3dhHeader).toBeUndefined();
    const plain = decryptWithDh(hexToBytes(A.private_key), entry.dhHeader!.key, entry.payload);
    expect(bytesToHex(plain)).toBe(decodedByA.decrypted_payload!.slice(2));
  });

  it.each(availableBackends().map((b) => b.name))('SecureTransport.decrypt as A (%s backend) returns the MVDS payload, B’s installation and bundle', async (backend) => {
    const previous = getBackend().name;
    useBackend(backend as 'portable' | 'fast');
    onTestFinished(() => void useBackend(previous as 'portable' | 'fast'));
    const store = new MemorySessionStore();
    const a = new SecureTransport({
      identityPrivateKey: hexToBytes(A.private_key),
      installationId: '034f355b-dcb7-cc0a-f728-ef3cceb9615d',
      store,
    });
    const r = await a.decrypt(hexToBytes(decodedByA.waku_message!.signer_pubkey), hexToBytes(decodedByA.waku_message!.payload));
    expect(r.status).toBe('decrypted');
    expect(r.method).toBe('dh');
    expect(bytesToHex(r.plaintext!)).toBe(decodedByA.decrypted_payload!.slice(2));
    expect(r.installationId).toBe('02466d7f-cae5-63e5-cb09-a0d1870bb580');
    expect(r.installations.map((i) => i.installationId)).toEqual(['02466d7f-cae5-63e5-cb09-a0d1870bb580']);
    const known = await a.installations(hexToBytes(B.public_key));
    expect(known).toHaveLength(1);
    expect(known[0].enabled).toBe(true);
    // A now holds B's bundle: its next message to B goes through X3DH, not the DH header.
    const reply = await a.encrypt(hexToBytes(B.public_key), new Uint8Array([1, 2, 3]));
    expect(reply.usedDh).toBe(false);
    const out = decodeProtocolMessage(reply.message).directMessage.get('02466d7f-cae5-63e5-cb09-a0d1870bb580')!;
    expect(bytesToHex(out.x3dhHeader!.id)).toBe(b64(decodedByA.protocol_message!.bundles_detail[0].signed_pre_keys['02466d7f-cae5-63e5-cb09-a0d1870bb580'].signed_pre_key));
  });

  it('the negotiated secret is the recorded ECDH X coordinate, from both ends', () => {
    const a = new SecureTransport({ identityPrivateKey: hexToBytes(A.private_key), installationId: 'a', store: new MemorySessionStore() });
    const b = new SecureTransport({ identityPrivateKey: hexToBytes(B.private_key), installationId: 'b', store: new MemorySessionStore() });
    expect(bytesToHex(a.sharedSecret(hexToBytes(B.public_key)))).toBe(v.negotiated_secret_A_B.shared_secret.slice(2));
    expect(bytesToHex(b.sharedSecret(hexToBytes(A.public_key)))).toBe(v.negotiated_secret_A_B.shared_secret.slice(2));
  });
});

describe('every captured ProtocolMessage', () => {
  const cases = v.envelopes.flatMap((e, i) =>
    (['A', 'B'] as const).filter((who) => e.decoded_by[who]?.waku_message).map((who) => [i, who, e.decoded_by[who]!] as const),
  );
  it.each(cases)('envelope %i as decoded by %s: round-trips and its bundles recover the signer', (_i, _who, d) => {
    const bytes = hexToBytes(d.waku_message!.payload);
    const msg = decodeProtocolMessage(bytes);
    expect(bytesToHex(encodeProtocolMessage(msg))).toBe(bytesToHex(bytes));
    for (const b of msg.bundles) {
      expect(bytesToHex(verifyBundle(b))).toBe(bytesToHex(compressPublicKey(hexToBytes(d.waku_message!.signer_pubkey))));
    }
  });

  it('a captured bundle with a swapped prekey or a changed timestamp no longer recovers the identity', () => {
    const msg = decodeProtocolMessage(hexToBytes(decodedByA.waku_message!.payload));
    const b = msg.bundles[0];
    const forged = { ...b, signedPreKeys: new Map(b.signedPreKeys) };
    const [id, spk] = [...forged.signedPreKeys][0];
    const other = compressPublicKey(hexToBytes(A.public_key));
    forged.signedPreKeys.set(id, { ...spk, signedPreKey: other });
    expect(() => verifyBundle(forged)).toThrowError(expect.objectContaining({ code: 'INVALID_BUNDLE_SIGNATURE' }));
    const stale = { ...b, timestamp: b.timestamp - 1n };
    expect(() => verifyBundle(stale)).toThrowError(expect.objectContaining({ code: 'INVALID_BUNDLE_SIGNATURE' }));
  });
});
