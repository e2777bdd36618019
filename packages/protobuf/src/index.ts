export {
  WireFormatError,
  WireValueError,
  decodeMessage,
  encodeMessage,
  encodedLength,
  type GeneratedMessage,
  type WireOptions,
  type WithUnknownFields,
  type SameFields,
  type AssertTrue,
} from './runtime.js';
