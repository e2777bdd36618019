export * from './types.js';
export { OverlayError, OVERLAY_ERROR, type OverlayErrorCode } from './errors.js';
export { matchCapabilities, capabilityOffsets } from './capabilities.js';
export {
  MemoryNetwork,
  MemoryOverlay,
  seededRandom,
  reasonText,
  type MemoryNetworkOptions,
  type MemoryOverlayOptions,
} from './memory-overlay.js';
export { parseEnode, formatEnode, type Enode } from './enode.js';
export { RlpxOverlay } from './rlpx-overlay.js';
export { frameSizeFor, MAX_FRAME_SIZE } from './rlpx-frame.js';
export { RlpxSession, SessionFailure, type SessionOptions, type SessionHandlers } from './rlpx-session.js';
export {
  decodeRlpStrict,
  decodeRlpStrictAs,
  checkRlpValue,
  StrictRlpError,
  P2P_SCHEMA,
  type RlpSchema,
  type RlpValue,
} from './rlp-strict.js';
export { encodeHello, decodeHello, sortCapabilities, P2P_VERSION, type Hello } from './hello.js';
export { HandshakeInitiator, HandshakeRecipient, deriveFrameSecrets, type FrameSecrets, type HandshakeRandomness } from './rlpx-handshake.js';
export {
  createEnr,
  decodeEnr,
  enrToEnode,
  enrHasCapability,
  enodeIdToCompressedKey,
  ENR_CAPABILITIES_KEY,
  ENR_MAX_SIZE,
  type Enr,
  type EnrFields,
} from './enr.js';
export {
  buildEnrTree,
  resolveEnrTree,
  parseEnrTreeUrl,
  formatEnrTreeUrl,
  parseEnrTreeRoot,
  verifyEnrTreeRoot,
  entryHash,
  base32Encode,
  base32Decode,
  mapDnsResolver,
  systemDnsResolver,
  ENRTREE,
  MAX_BRANCH_CHILDREN,
  type DnsResolver,
  type EnrTreeUrl,
  type EnrTreeRoot,
  type BuiltEnrTree,
  type ResolveEnrTreeOptions,
} from './dns-tree.js';
export { StaticDiscovery, DnsDiscovery, Discv5Discovery, type DnsDiscoveryOptions, type Discv5DiscoveryOptions } from './discovery.js';
export { MemoryPeerCache, JsonFilePeerCache } from './peer-cache.js';
export { PeerPool } from './peer-pool.js';
