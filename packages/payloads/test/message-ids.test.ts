import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, getPublicKey, hexToBytes } from '@status-stack/crypto';
import * as P from '../src/index.js';

// vectors/payloads/message-ids.json: ours, from generate-message-ids.mjs (@noble/hashes + @noble/curves,
// protobuf written by hand), independent of this package.
interface Vectors {
  signed: { author_private_key: string; author_public_key: string; type: number; payload: string; signature: string; wrapper: string; id: string; not_the_id: { keccak256_of_wrapper_alone: string } };
  unsigned: {
    transport_signer_private_key: string;
    transport_signer_public_key: string;
    type: number;
    payload: string;
    payload_fields: { clock: string; installation_id: string; device_type: string; name: string };
    wrapper: string;
    id: string;
    not_the_id: { keyed_with_transport_signer: string };
  };
}
const v = JSON.parse(readFileSync(new URL('../../../vectors/payloads/message-ids.json', import.meta.url), 'utf8')) as Vectors;
const h = (s: string): Uint8Array => hexToBytes(s);

describe('message ids, both forms (status-go v0.62.18)', () => {
  it('signed wrapper: id = keccak256(uncompressed signer key ‖ wrapper bytes)', () => {
    const s = v.signed;
    const wrapped = P.wrapApplicationMessage(s.type, h(s.payload), h(s.author_private_key));
    expect(bytesToHex(wrapped.bytes)).toBe(s.wrapper); // same RFC 6979 signature as @noble/curves
    expect(wrapped.id).toBe(s.id);
    const opened = P.openApplicationMessage(h(s.wrapper));
    expect(opened.authorHex).toBe(`0x${s.author_public_key}`);
    expect(opened.deniable).toBe(false);
    expect(opened.id).toBe(s.id);
    expect(P.messageId(h(s.author_public_key), h(s.wrapper))).toBe(s.id);
    expect(P.applicationMessageId(h(s.wrapper))).toBe(s.id);
    // A transport author given for a signed message changes nothing.
    expect(P.openApplicationMessage(h(s.wrapper), { transportAuthor: getPublicKey(h(v.unsigned.transport_signer_private_key)) }).id).toBe(s.id);
    expect(opened.id).not.toBe(s.not_the_id.keccak256_of_wrapper_alone);
  });

  it('unsigned wrapper: id = keccak256(wrapper bytes), not keyed with the transport signer', () => {
    const u = v.unsigned;
    const wrapped = P.wrapUnsignedApplicationMessage(u.type, h(u.payload));
    expect(bytesToHex(wrapped.bytes)).toBe(u.wrapper);
    expect(wrapped.signature).toHaveLength(0);
    expect(wrapped.id).toBe(u.id);
    expect(P.unsignedMessageId(h(u.wrapper))).toBe(u.id);
    expect(P.applicationMessageId(h(u.wrapper))).toBe(u.id);

    const transport = h(u.transport_signer_public_key);
    const opened = P.openApplicationMessage(h(u.wrapper), { transportAuthor: transport });
    expect(opened.deniable).toBe(true);
    expect(opened.authorHex).toBe(`0x${u.transport_signer_public_key}`); // the author is still the transport signer
    expect(opened.id).toBe(u.id);
    expect(opened.id).not.toBe(u.not_the_id.keyed_with_transport_signer);
    expect(P.messageId(transport, h(u.wrapper))).toBe(u.not_the_id.keyed_with_transport_signer);
    // Opening still needs someone to vouch for the author.
    expect(() => P.openApplicationMessage(h(u.wrapper))).toThrowError(expect.objectContaining({ code: P.PAYLOAD_ERROR.MISSING_SIGNATURE }));
  });

  it('sendUnsignedApplicationMessage encodes a PairInstallation to the same bytes and id, and receive gives that id', () => {
    const u = v.unsigned;
    const f = u.payload_fields;
    const value: P.PairInstallation = { clock: BigInt(f.clock), installationId: f.installation_id, deviceType: f.device_type, name: f.name };
    const sent = P.sendUnsignedApplicationMessage({ kind: 'pairInstallation', type: P.APPLICATION_MESSAGE_TYPE.PAIR_INSTALLATION, value });
    expect(bytesToHex(sent.bytes)).toBe(u.wrapper);
    expect(sent.id).toBe(u.id);
    const received = P.receiveApplicationMessage(sent.bytes, { transportAuthor: h(u.transport_signer_public_key) });
    expect(received.id).toBe(u.id);
    expect(received.decoded).toMatchObject({ kind: 'pairInstallation', value: { name: f.name } });
  });

  it('applicationMessageId rejects a signature of the wrong length or one that recovers nothing', () => {
    const s = v.signed;
    const m = P.decodeApplicationMetadataMessage(h(s.wrapper));
    const short = P.encodeApplicationMetadataMessage({ ...m, signature: m.signature.subarray(0, 64) });
    expect(() => P.applicationMessageId(short)).toThrowError(expect.objectContaining({ code: P.PAYLOAD_ERROR.INVALID_SIGNATURE }));
    const zero = P.encodeApplicationMetadataMessage({ ...m, signature: new Uint8Array(65) });
    expect(() => P.applicationMessageId(zero)).toThrowError(expect.objectContaining({ code: P.PAYLOAD_ERROR.INVALID_SIGNATURE }));
  });
});
