// Acceptance from the wire: peel the captured public-chat Waku envelopes down to the
// ApplicationMetadataMessage with a test-only helper (the layers below are other packages'), and
// check that what we open is byte for byte what status-go put in the envelope.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { aes256GcmDecrypt, bytesToHex, hexToBytes } from '@status-stack/crypto';
import { openApplicationMessage } from '../src/index.js';

const capture = JSON.parse(readFileSync(new URL('../../../vectors/payloads/status-fullstack-captured-waku1.json', import.meta.url), 'utf8')) as {
  public_chat: { sym_key: string };
  envelopes: {
    envelope: { data: string };
    decoded_by: Record<string, { decrypted_with?: string; application_messages?: { raw: string; message_id: string; signer_pubkey: string }[] }>;
  }[];
};

// secure-transport's ProtocolMessage, read with protobufjs reflection from that package's schema.
const ProtocolMessage = protobuf
  .loadSync(fileURLToPath(new URL('../../secure-transport/proto/protocol_message.proto', import.meta.url)))
  .lookupType('encryption.ProtocolMessage');

/** Test-only: symmetric Waku data field → ProtocolMessage.public_message. */
function peelPublicEnvelope(data: Uint8Array, symKey: Uint8Array): Uint8Array {
  // data = AES-256-GCM ciphertext ‖ tag(16) ‖ nonce(12)
  const nonce = data.subarray(data.length - 12);
  const plain = aes256GcmDecrypt(symKey, nonce, data.subarray(0, data.length - 12));
  // plaintext = flags ‖ size (flags & 3 bytes, little-endian) ‖ payload ‖ padding ‖ [signature]
  const sizeLength = plain[0] & 3;
  let size = 0;
  for (let i = 0; i < sizeLength; i++) size |= plain[1 + i] << (8 * i);
  const payload = plain.subarray(1 + sizeLength, 1 + sizeLength + size);
  return (ProtocolMessage.decode(payload) as unknown as { publicMessage: Uint8Array }).publicMessage;
}

const publicEnvelopes = capture.envelopes.filter((e) => Object.values(e.decoded_by).some((d) => d.decrypted_with?.startsWith('public-chat:')));

describe('captured public-chat envelopes, peeled to the ApplicationMetadataMessage', () => {
  it('there are public-chat envelopes to peel', () => {
    expect(publicEnvelopes.length).toBeGreaterThanOrEqual(2);
  });

  it.each(publicEnvelopes.map((e, i) => ({ e, i })))('public envelope $i', ({ e }) => {
    const amm = peelPublicEnvelope(hexToBytes(e.envelope.data), hexToBytes(capture.public_chat.sym_key));
    for (const decoded of Object.values(e.decoded_by)) {
      const recorded = decoded.application_messages![0];
      expect(bytesToHex(amm)).toBe(recorded.raw.slice(2));
      const opened = openApplicationMessage(amm);
      expect(opened.id).toBe(recorded.message_id);
      expect(opened.authorHex).toBe(recorded.signer_pubkey);
    }
  });
});
