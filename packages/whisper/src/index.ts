export * from './types.js';
export { WHISPER, WHISPER_PACKET, STATUS_POW, MESSAGE_FLAGS, ENVELOPE_ERROR_CODE, MESSAGE_RESPONSE_VERSION, type EnvelopeErrorCode } from './constants.js';
export { WhisperError, TimeSyncError, WHISPER_ERROR, type WhisperErrorCode } from './errors.js';
export { type Topic, bytesToTopic, topicToHex, hexToTopic, topicFromString, assertTopic } from './topic.js';
export { type Bloom, topicToBloom, topicsToBloom, mergeBlooms, fullBloom, isFullBloom, bloomMatch } from './bloom.js';
export {
  type Envelope,
  encodeEnvelope,
  decodeEnvelope,
  encodeEnvelopeWithoutNonce,
  envelopeHash,
  envelopeSize,
  envelopeBloom,
  encodeMessagesPacket,
  decodeMessagesPacket,
} from './envelope.js';
export { computePow, powTargetBits, sealEnvelope, leadingZeroBits, powToUint64, uint64ToPow, type SealOptions } from './pow.js';
export {
  type PlaintextParams,
  type DecodedPlaintext,
  encodePlaintext,
  decodePlaintext,
  payloadSizeFieldLength,
  defaultPaddingLength,
  encryptSymmetric,
  decryptSymmetric,
  encryptAsymmetric,
  decryptAsymmetric,
} from './message.js';
export { wrapMessage, sealOutgoing, openSymmetric, openAsymmetric, type WrapParams } from './wrap.js';
export {
  symKeyFromPassword,
  publicChatTopic,
  publicChatKey,
  discoveryTopic,
  partitionedTopic,
  partitionedTopicName,
  personalDiscoveryTopic,
  contactCodeTopic,
  contactCodeTopicName,
  negotiatedSecret,
  DISCOVERY_TOPIC_NAME,
  type NegotiatedSecret,
} from './status-topics.js';
export {
  type WhisperStatus,
  type RateLimits,
  type MessagesResponse,
  encodeWhisperStatus,
  decodeWhisperStatus,
  encodePowRequirementPacket,
  decodePowRequirementPacket,
  encodeRateLimitsPacket,
  decodeRateLimitsPacket,
  encodeBloomPacket,
  decodeBloomPacket,
  encodeBatchAckPacket,
  decodeBatchAckPacket,
  encodeMessageResponsePacket,
  decodeMessageResponsePacket,
} from './packets.js';
export { RateLimiter, rateLimitAddressKey, type RateLimiterOptions } from './rate-limiter.js';
export { FilterSet } from './filters.js';
export { EnvelopePool, poolEntry, POOL_ENTRY_OVERHEAD, type PooledEnvelope } from './node/envelope-pool.js';
export { EnvelopeNode, PeerState, type CorePacketCodes, type PacketHandler } from './node/envelope-node.js';
export { WhisperNode, WHISPER_CAPABILITY } from './whisper-node.js';
export { MemoryCarrier, MemoryHub, MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';
export { envelopeTransportOver, type CarrierTransport, type CarrierTransportOptions } from './envelope-carrier.js';
export * from './mailserver/index.js';
export { WAKU, WAKU_PACKET, WAKU_STATUS_KEY, type WakuStatusKey } from './waku/constants.js';
export {
  type WakuStatusOptions,
  type WakuVersion,
  encodeWakuStatus,
  decodeWakuStatus,
  encodeWakuStatusOptions,
  decodeWakuStatusOptions,
} from './waku/status-options.js';
export { TopicInterest } from './waku/topic-interest.js';
export { WakuNode, WAKU_CAPABILITY, WAKU0_CAPABILITY } from './waku/waku-node.js';
export { MailServer } from './mailserver/server.js';
export { MailserverClient } from './mailserver/client.js';
export { MailserverError, MAILSERVER_ERROR, type MailserverErrorCode } from './mailserver/errors.js';
export { Bridge, createBridgeNode, type BridgeNode } from './bridge.js';
