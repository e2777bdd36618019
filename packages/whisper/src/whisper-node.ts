import type { Capability, Overlay } from '@status-stack/p2p-overlay';
import { isFullBloom, type Bloom } from './bloom.js';
import { WHISPER, WHISPER_PACKET } from './constants.js';
import { WhisperError, WHISPER_ERROR } from './errors.js';
import {
  decodeBloomPacket,
  decodePowRequirementPacket,
  decodeRateLimitsPacket,
  decodeWhisperStatus,
  encodeBloomPacket,
  encodePowRequirementPacket,
  encodeWhisperStatus,
} from './packets.js';
import { advertisedBloom, EnvelopeNode, type PeerState } from './node/envelope-node.js';
import type { EnvelopeNodeOptions, HistoryClient, HistoryRequest, MailserverHistoryRequest, MailserverHistoryResult } from './types.js';
import { MailserverClient } from './mailserver/client.js';
import { decodeP2PEnvelopes } from './mailserver/p2p-messages.js';

export const WHISPER_CAPABILITY: Capability = { name: WHISPER.PROTOCOL_NAME, version: WHISPER.PROTOCOL_VERSION, length: WHISPER.CODE_COUNT };

/** A Whisper v6 (`shh/6`) node as status-go runs it, on any `Overlay`. */
export class WhisperNode extends EnvelopeNode {
  readonly capability: Capability = WHISPER_CAPABILITY;
  protected readonly codes = WHISPER_PACKET;

  constructor(overlay: Overlay, options: EnvelopeNodeOptions = {}) {
    super(overlay, options);
  }

  private mailserverClient: HistoryClient | undefined;

  /**
   * Fetches history from a mailserver peer (P2P request 126 in status-go's Whisper `MessagesRequest`
   * form: 6 fields, no topics, the bloom covering them), paging through cursors; envelopes reach our
   * filters as `p2p` messages. See {@link MailserverClient}.
   */
  requestHistory(request: MailserverHistoryRequest | HistoryRequest): Promise<MailserverHistoryResult> {
    return this.mailserver.requestHistory(request);
  }

  /** The mailserver client behind `requestHistory` (created on first use; it handles codes 125 and 127). */
  get mailserver(): HistoryClient {
    this.mailserverClient ??= new MailserverClient(this);
    return this.mailserverClient;
  }

  /**
   * `[6, pow, bloom, light, confirmations, rate limits]`. A full node's bloom goes out empty (`0x80`),
   * as statusd and go-ethereum send it (peers read an empty bloom as "everything").
   */
  protected encodeStatus(): Uint8Array {
    return encodeWhisperStatus({
      version: WHISPER.PROTOCOL_VERSION,
      powRequirement: this.minPow,
      bloom: advertisedBloom(this.bloomFilter),
      lightNode: this.lightNode,
      confirmationsEnabled: this.confirmationsEnabled,
      rateLimits: this.rateLimits,
    });
  }

  protected applyStatus(peer: PeerState, payload: Uint8Array): void {
    const s = decodeWhisperStatus(payload);
    if (s.version !== WHISPER.PROTOCOL_VERSION) {
      throw new WhisperError(WHISPER_ERROR.INVALID_PACKET, `peer speaks shh version ${s.version}, not ${WHISPER.PROTOCOL_VERSION}`);
    }
    peer.powRequirement = s.powRequirement ?? 0;
    peer.bloom = peerBloom(s.bloom);
    peer.lightNode = s.lightNode ?? false;
    peer.confirmationsEnabled = s.confirmationsEnabled ?? false;
    peer.setRateLimits(s.rateLimits);
  }

  protected sendPowRequirement(peer: PeerState, pow: number): void {
    peer.send(WHISPER_PACKET.POW_REQUIREMENT, encodePowRequirementPacket(pow));
  }

  protected sendBloomFilter(peer: PeerState, bloom: Bloom): void {
    peer.send(WHISPER_PACKET.BLOOM_FILTER, encodeBloomPacket(bloom));
  }

  protected handleProtocolPacket(peer: PeerState, code: number, payload: Uint8Array): boolean {
    switch (code) {
      case WHISPER_PACKET.POW_REQUIREMENT:
        peer.powRequirement = decodePowRequirementPacket(payload);
        return true;
      case WHISPER_PACKET.BLOOM_FILTER:
        peer.bloom = peerBloom(decodeBloomPacket(payload));
        return true;
      case WHISPER_PACKET.RATE_LIMITS:
        peer.setRateLimits(decodeRateLimitsPacket(payload));
        return true;
      case WHISPER_PACKET.P2P_MESSAGE:
        // Only a trusted peer (our mailserver) may push envelopes directly; others are ignored.
        if (peer.trusted) this.deliverP2P(decodeP2PEnvelopes(payload), peer.id);
        return true;
      default:
        return false;
    }
  }
}

/** A full-node bloom (all ones) is stored as "matches everything". */
function peerBloom(bloom: Bloom | undefined): Bloom | undefined {
  return bloom === undefined || isFullBloom(bloom) ? undefined : bloom;
}
