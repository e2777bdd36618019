/** Waku v1 protocol constants (vac 6/WAKU1; status-go v0.62.18 `waku/v1`, `waku/v0`). */
export const WAKU = {
  PROTOCOL_NAME: 'waku',
  PROTOCOL_VERSION: 1,
  /** `waku/0` peers are still accepted: same packets, but `[version, options]` status and string option keys. */
  LEGACY_VERSION: 0,
  CODE_COUNT: 128,
  /** status-go `StatusOptions.Validate`: a longer topic-interest list is a protocol violation. */
  MAX_TOPIC_INTEREST: 10_000,
  /**
   * PoW requirement assumed for a peer whose status packet has none (status-go `WithDefaults`),
   * so envelopes it would drop are not sent to it.
   */
  DEFAULT_PEER_POW: 0.001,
} as const;

/** Waku packet codes (vac 6/WAKU1 "Packet Codes"); 2, 3, 20 and 21 of earlier drafts are superseded by 22. */
export const WAKU_PACKET = {
  STATUS: 0,
  MESSAGES: 1,
  BATCH_ACKNOWLEDGED: 11,
  MESSAGE_RESPONSE: 12,
  STATUS_UPDATE: 22,
  P2P_REQUEST_COMPLETE: 125,
  P2P_REQUEST: 126,
  P2P_MESSAGE: 127,
} as const;

/** Keys of the status option list (NOTES.md, "Waku v1 status packet"). */
export const WAKU_STATUS_KEY = {
  POW_REQUIREMENT: 0,
  BLOOM_FILTER: 1,
  LIGHT_NODE: 2,
  CONFIRMATIONS_ENABLED: 3,
  PACKET_RATE_LIMITS: 4,
  TOPIC_INTEREST: 5,
  BYTES_RATE_LIMITS: 6,
} as const;
export type WakuStatusKey = (typeof WAKU_STATUS_KEY)[keyof typeof WAKU_STATUS_KEY];
