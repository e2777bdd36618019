export { SECURE_TRANSPORT_ERROR, SecureTransportError, type SecureTransportErrorCode } from './errors.js';
export { PROTOCOL, KDF_INFO, CHAIN_KDF_INPUT } from './constants.js';
export type {
  Awaitable,
  SessionRecord,
  SkippedKeyRecord,
  PublicPrekeyRecord,
  InstallationRecord,
  OurPrekeyRecord,
  StoreBatch,
  SessionStore,
  SecureTransportOptions,
  DecryptStatus,
  DecryptResult,
  EncryptResult,
} from './types.js';
export {
  type SignedPreKey,
  type Bundle,
  type BundleContainer,
  type X3dhHeader,
  type DrHeader,
  type DhHeader,
  type DirectMessageProtocol,
  type ProtocolMessage,
  encodeSignedPreKey,
  decodeSignedPreKey,
  encodeBundle,
  decodeBundle,
  encodeBundleContainer,
  decodeBundleContainer,
  encodeDrHeader,
  decodeDrHeader,
  encodeDhHeader,
  decodeDhHeader,
  encodeX3dhHeader,
  decodeX3dhHeader,
  encodeDirectMessageProtocol,
  decodeDirectMessageProtocol,
  encodeProtocolMessage,
  decodeProtocolMessage,
} from './protocol-message.js';
export { bundleSignatureMaterial, signBundle, verifyBundle } from './bundle.js';
export { x3dhInitiator, x3dhResponder } from './x3dh.js';
export { encryptWithDh, decryptWithDh } from './dh-header.js';
export {
  type RatchetState,
  type RatchetHeader,
  type RatchetLimits,
  type SkippedMessageKey,
  kdfRootKey,
  kdfChainKey,
  deriveMessageKeys,
  encodeAssociatedData,
  encryptWithMessageKey,
  decryptWithMessageKey,
  initiatorState,
  responderState,
  ratchetEncrypt,
  ratchetDecrypt,
  decryptSkipped,
} from './double-ratchet.js';
export { MemorySessionStore } from './memory-store.js';
export { SecureTransport } from './secure-transport.js';
