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
