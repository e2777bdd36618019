/** Whisper v6 constants (EIP-627; go-ethereum whisperv6 doc.go, as status-go v0.62.18 runs them). */
export const WHISPER = {
  PROTOCOL_NAME: 'shh',
  PROTOCOL_VERSION: 6,
  /** Message codes the capability reserves (0..127). */
  CODE_COUNT: 128,
  TOPIC_LENGTH: 4,
  BLOOM_SIZE: 64,
  SIGNATURE_LENGTH: 65,
  AES_KEY_LENGTH: 32,
  AES_NONCE_LENGTH: 12,
  AES_TAG_LENGTH: 16,
  /** Envelope size as go-ethereum's `size()` counts it: 20 + len(data); used for the PoW target and the size limit. */
  ENVELOPE_HEADER_LENGTH: 20,
  PAD_SIZE_LIMIT: 256,
  DEFAULT_TTL: 50,
  /** go-ethereum's default minimum PoW; Status nodes accept far less (see STATUS_MIN_POW). */
  GETH_DEFAULT_MIN_POW: 0.2,
  DEFAULT_MAX_MESSAGE_SIZE: 1024 * 1024,
  MAX_MESSAGE_SIZE: 10 * 1024 * 1024,
  /** Seconds of clock skew tolerated before an envelope counts as from the future / very old. */
  SYNC_ALLOWANCE: 10,
  /** PBKDF2 iterations for keys from passwords: 65356, a long-standing typo for 65536 the network depends on. */
  PASSWORD_ITERATIONS: 65356,
} as const;

/** What Status clients use: they seal to 0.002 and accept down to 0.000002 (NOTES.md). */
export const STATUS_POW = {
  TARGET: 0.002,
  MIN_POW: 0.000002,
} as const;

/** shh/6 packet codes, with status-im's extensions (11, 12) and the mailserver range (123..127). */
export const WHISPER_PACKET = {
  STATUS: 0,
  MESSAGES: 1,
  POW_REQUIREMENT: 2,
  BLOOM_FILTER: 3,
  BATCH_ACKNOWLEDGED: 11,
  MESSAGE_RESPONSE: 12,
  /** Status spec 3/WHISPER-USAGE: `[ip, peer id, topic]` packets per second, also optional in the handshake. */
  RATE_LIMITS: 20,
  P2P_SYNC_REQUEST: 123,
  P2P_SYNC_RESPONSE: 124,
  P2P_REQUEST_COMPLETE: 125,
  P2P_REQUEST: 126,
  P2P_MESSAGE: 127,
} as const;

/** Bits of the first plaintext byte. */
export const MESSAGE_FLAGS = {
  PAYLOAD_SIZE_MASK: 3,
  SIGNED: 4,
} as const;

/** Envelope error codes carried in a message response (status-im `EnvelopeError.Code`). */
export const ENVELOPE_ERROR_CODE = {
  TIME_NOT_SYNCED: 1,
  OTHER: 2,
} as const;
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODE)[keyof typeof ENVELOPE_ERROR_CODE];

/** Version of the message-response packet status-go sends. */
export const MESSAGE_RESPONSE_VERSION = 1;
