export { MVDS_ERROR, MvdsError, type MvdsErrorCode } from './errors.js';
export {
  MESSAGE_ID_LENGTH,
  GROUP_ID_LENGTH,
  PAYLOAD_ID_COST,
  type MvdsMessage,
  type MvdsMetadata,
  type MvdsPayload,
  emptyPayload,
  isDatasyncPayload,
  encodePayload,
  decodePayload,
  encodeMessage,
  decodeMessage,
  encodedPayloadSize,
  encodedMessageSize,
  payloadMessageCost,
} from './payload.js';
export { messageId, oneToOneGroupId, assertGroupId } from './message-id.js';
export {
  exponentialBackoff,
  timedBackoff,
  epochsCovering,
  MVDS_TIMING,
  type BackoffOptions,
  type TimedBackoffOptions,
} from './backoff.js';
export { MemoryStore } from './memory-store.js';
export { MvdsNode, type SendOptions } from './mvds-node.js';
export {
  simulate,
  SimNetwork,
  seededRandom,
  type SimulationOptions,
  type SimulationReport,
  type SimRestart,
} from './simulator.js';
export {
  RECORD_TYPE,
  MODE,
  GAVE_UP_EPOCH,
  type RecordType,
  type Mode,
  type MaybePromise,
  type PeerId,
  type SyncRecord,
  type Store,
  type MvdsTransport,
  type Clock,
  type NextEpochFn,
  type MvdsNodeOptions,
  type ReceivedMessage,
  type MvdsEvents,
  type ReceiveResult,
  type MvdsStats,
} from './types.js';
