// P2P messages (code 127), status-go v0.62.18 (`waku/mailserver_response.go`, NOTES.md "Mailserver
// packets"): the envelopes a mailserver sends one peer directly, an RLP list of envelopes
// `[expiry, ttl, topic, data, nonce]`; older Whisper mailservers sent one envelope per packet, which
// is accepted too. Each envelope is validated by whisper's envelope decoder, as on the relay path;
// its expiry is not checked here (history may be expired).
import { envelopeFromRlpItem, type Envelope } from '../envelope.js';
import { expectList, rlpDecode, rlpEncode, type RlpItem } from '../rlp-util.js';
import { _asCodecError, _decodeCodecRlp, MAILSERVER_CODEC_ERROR_CODES, MailserverCodecError } from './errors.js';

/** One envelope of a P2P messages packet, and its RLP exactly as it was sent. */
interface P2PMessage {
  envelope: Envelope;
  rlp: Uint8Array;
}

/** The envelopes of a decoded 127 payload. Throws WhisperError. */
function readP2PMessages(decoded: RlpItem): P2PMessage[] {
  const list = expectList(decoded, 'p2p messages');
  // A single envelope is a list whose first item is a byte string (its expiry).
  const items = list.length > 0 && list[0] instanceof Uint8Array ? [list] : list;
  return items.map((item, i) => ({
    envelope: envelopeFromRlpItem(item, `envelope ${i}`),
    // The decoder accepts canonical RLP only, so re-encoding the item gives the bytes that were sent.
    rlp: rlpEncode(item),
  }));
}

/** Encodes the packet payload of P2P messages (code 127): an RLP list of envelope RLPs, kept byte for byte. */
export function encodeP2PMessages(envelopes: readonly Uint8Array[]): Uint8Array {
  const code = MAILSERVER_CODEC_ERROR_CODES.INVALID_P2P_MESSAGES;
  if (!Array.isArray(envelopes)) throw new MailserverCodecError(code, 'envelopes must be an array');
  envelopes.forEach((e, i) => {
    if (!(e instanceof Uint8Array)) throw new MailserverCodecError(code, `envelopes[${i}] must be bytes, got ${typeof e}`);
    _asCodecError(code, () => envelopeFromRlpItem(rlpDecode(e, `envelope ${i}`), `envelope ${i}`));
  });
  const bodyLength = envelopes.reduce((n, e) => n + e.length, 0);
  const header = listHeader(bodyLength);
  const out = new Uint8Array(header.length + bodyLength);
  out.set(header, 0);
  let offset = header.length;
  for (const e of envelopes) {
    out.set(e, offset);
    offset += e.length;
  }
  return out;
}

/** RLP list header for a body of `length` bytes (the envelopes are already RLP: they are copied, not re-encoded). */
function listHeader(length: number): Uint8Array {
  if (length < 56) return Uint8Array.of(0xc0 + length);
  const lenBytes: number[] = [];
  for (let x = length; x > 0; x = Math.floor(x / 256)) lenBytes.unshift(x % 256);
  return Uint8Array.from([0xf7 + lenBytes.length, ...lenBytes]);
}

/**
 * Decodes P2P messages (code 127) into the envelopes' RLPs, as a mailserver client archives or
 * forwards them. Throws {@link MailserverCodecError}: MALFORMED_RLP, or INVALID_P2P_MESSAGES for
 * anything but a list of well-formed envelopes (or one envelope).
 */
export function decodeP2PMessages(payload: Uint8Array): Uint8Array[] {
  const decoded = _decodeCodecRlp(payload, 'p2p messages');
  return _asCodecError(MAILSERVER_CODEC_ERROR_CODES.INVALID_P2P_MESSAGES, () => readP2PMessages(decoded)).map((m) => m.rlp);
}

/** Decodes P2P messages (code 127) into envelopes, as a node delivers them to its filters. Throws WhisperError. */
export function decodeP2PEnvelopes(payload: Uint8Array): Envelope[] {
  return readP2PMessages(rlpDecode(payload, 'p2p messages')).map((m) => m.envelope);
}
