// A Whisper v6 mailserver peer that behaves on the wire as statusd (status-go v0.62.18) did in the
// captures (vectors/whisper-mailserver/whisper_mailserver_exchange.json): it sends statusd's exact
// shh/6 status packet, and answers a P2P request (126) only in the Whisper `MessagesRequest` form,
// six fields `[id, from, to, limit, cursor, bloom]`, with one 127 (its archived envelopes matching
// the bloom and time range, oldest first) and a 125 `id ‖ last envelope hash` (64 bytes, empty
// cursor). Anything else in a 126 (the 7-field Waku form, garbage) gets Disconnect SubprotocolError
// (0x10), as statusd's "invalid p2p request". In 'drop-every-request' mode every 126 gets it.
import { RLP } from '@ethereumjs/rlp';
import { hexToBytes, keccak256 } from '@status-stack/crypto';
import { DISCONNECT_REASON, RlpxOverlay, type PeerLink } from '@status-stack/p2p-overlay';
import { bloomMatch, decodeEnvelope, encodeP2PMessages, topicToBloom, WHISPER_CAPABILITY, WHISPER_PACKET } from '../../src/index.js';
import { ARCHIVED, STATUSD_WHISPER_STATUS } from './statusd-wire.js';
import { checkWhisperStatus, decodeRlpStrictAs, WHISPER_MESSAGES_REQUEST_SCHEMA } from './wire-schemas.js';

export interface FakeStatusdRequest {
  /** ms (Date.now) when it arrived. */
  at: number;
  peerId: string;
  payload: Uint8Array;
  /** Served (true) or answered with a disconnect. */
  served: boolean;
  why?: string;
}

export class FakeStatusd {
  readonly overlay: RlpxOverlay;
  readonly requests: FakeStatusdRequest[] = [];
  /** Links seen (one per connection). */
  readonly links: PeerLink[] = [];
  private readonly envelopes: Uint8Array[];

  constructor(
    readonly mode: 'whisper-6-only' | 'drop-every-request' = 'whisper-6-only',
    envelopes: readonly string[] = ARCHIVED.map((e) => e.rlp),
  ) {
    this.envelopes = envelopes.map(hexToBytes);
    this.overlay = new RlpxOverlay({ host: '127.0.0.1', port: 0 });
    this.overlay.register(WHISPER_CAPABILITY, (link) => this.onLink(link));
  }

  get enode(): string {
    return this.overlay.enode;
  }

  start(): Promise<void> {
    return this.overlay.start();
  }

  stop(): Promise<void> {
    return this.overlay.stop();
  }

  private onLink(link: PeerLink): void {
    this.links.push(link);
    let handshaken = false;
    link.send(WHISPER_PACKET.STATUS, STATUSD_WHISPER_STATUS);
    link.onMessage((code, payload) => {
      if (!handshaken) {
        try {
          if (code !== WHISPER_PACKET.STATUS) throw new Error(`packet ${code} before status`);
          checkWhisperStatus(payload);
          handshaken = true;
        } catch {
          link.close(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
        }
        return;
      }
      if (code === WHISPER_PACKET.P2P_REQUEST) this.onRequest(link, payload);
    });
  }

  private onRequest(link: PeerLink, payload: Uint8Array): void {
    const record: FakeStatusdRequest = { at: Date.now(), peerId: link.peerId, payload, served: false };
    this.requests.push(record);
    if (this.mode === 'drop-every-request') {
      record.why = 'drop-every-request';
      link.close(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
      return;
    }
    let fields: Uint8Array[];
    try {
      fields = decodeRlpStrictAs(payload, WHISPER_MESSAGES_REQUEST_SCHEMA) as Uint8Array[];
      if (fields[5].length !== 64) throw new Error(`bloom of ${fields[5].length} bytes`);
    } catch (e) {
      // statusd: "rlp: input list has too many elements for whisper.MessagesRequest" → "invalid p2p request".
      record.why = (e as Error).message;
      link.close(DISCONNECT_REASON.SUBPROTOCOL_ERROR);
      return;
    }
    const [id, fromB, toB, , , bloom] = fields;
    const num = (b: Uint8Array) => b.reduce((n, x) => n * 256 + x, 0);
    const from = num(fromB);
    const to = num(toB);
    const matching = this.envelopes.filter((rlp) => {
      const env = decodeEnvelope(rlp);
      const sent = env.expiry - env.ttl;
      return sent >= from && sent <= to && bloomMatch(bloom, topicToBloom(env.topic));
    });
    if (matching.length > 0) link.send(WHISPER_PACKET.P2P_MESSAGE, encodeP2PMessages(matching));
    const last = matching.length > 0 ? keccak256(matching[matching.length - 1]) : new Uint8Array(32);
    const body = new Uint8Array(64);
    body.set(id, 0);
    body.set(last, 32);
    link.send(WHISPER_PACKET.P2P_REQUEST_COMPLETE, RLP.encode(body));
    record.served = true;
  }
}
