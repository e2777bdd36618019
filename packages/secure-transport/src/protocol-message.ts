// The secure-transport wire codec: pbjs static code generated from proto/protocol_message.proto
// (npm run proto), through the shared protobuf runtime, with SecureTransportError for what goes wrong.
import { encryption } from '../generated/codec.generated.js';
import { SECURE_TRANSPORT_ERROR, SecureTransportError } from './errors.js';
import {
  decodeMessage,
  encodeMessage,
  WireFormatError,
  type AssertTrue,
  type GeneratedMessage,
  type SameFields,
  type WireOptions,
} from '@status-stack/protobuf';

/** `SignedPreKey`. */
export interface SignedPreKey {
  signedPreKey: Uint8Array;
  version: number;
  protocolVersion: number;
}

/** `Bundle`: an identity's signed prekeys by installation id, signed by the identity key. */
export interface Bundle {
  identity: Uint8Array;
  signedPreKeys: Map<string, SignedPreKey>;
  signature: Uint8Array;
  /** Unix nanoseconds (int64 on the wire). */
  timestamp: bigint;
}

/** `BundleContainer`: our bundle with the private signed prekey (kept locally, never sent). */
export interface BundleContainer {
  bundle: Bundle | undefined;
  privateSignedPreKey: Uint8Array;
}

export interface X3dhHeader {
  key: Uint8Array;
  id: Uint8Array;
}

export interface DrHeader {
  key: Uint8Array;
  n: number;
  pn: number;
  id: Uint8Array;
}

export interface DhHeader {
  key: Uint8Array;
}

export interface DirectMessageProtocol {
  x3dhHeader?: X3dhHeader;
  drHeader?: DrHeader;
  dhHeader?: DhHeader;
  payload: Uint8Array;
}

export interface ProtocolMessage {
  installationId: string;
  bundles: Bundle[];
  directMessage: Map<string, DirectMessageProtocol>;
  publicMessage?: Uint8Array;
}

const pb = encryption;
/** Our names for the DirectMessageProtocol headers (status-go's X3DH_header, DR_header, DH_header). */
const RENAMES = { X3DHHeader: 'x3dhHeader', DRHeader: 'drHeader', DHHeader: 'dhHeader' } as const;
// Bytes fields are copied out of the input: keys and ciphertexts outlive the buffer they came in.
// Map entries are written sorted by key, so our encoding is deterministic (Go's map order is not).
const OPTIONS: WireOptions = { keepUnknownFields: false, copyBytes: true, renames: RENAMES };

type _Fields =
  | AssertTrue<SameFields<SignedPreKey, encryption.SignedPreKey.$Properties>>
  | AssertTrue<SameFields<Bundle, encryption.Bundle.$Properties>>
  | AssertTrue<SameFields<BundleContainer, encryption.BundleContainer.$Properties>>
  | AssertTrue<SameFields<X3dhHeader, encryption.X3DHHeader.$Properties>>
  | AssertTrue<SameFields<DrHeader, encryption.DRHeader.$Properties>>
  | AssertTrue<SameFields<DhHeader, encryption.DHHeader.$Properties>>
  | AssertTrue<SameFields<DirectMessageProtocol, encryption.DirectMessageProtocol.$Properties, typeof RENAMES>>
  | AssertTrue<SameFields<ProtocolMessage, encryption.ProtocolMessage.$Properties>>;

function encode(type: GeneratedMessage, value: object): Uint8Array {
  try {
    return encodeMessage(type, value, OPTIONS);
  } catch (e) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.INVALID_ARGUMENT, `cannot encode ${type.name}: ${(e as Error).message}`);
  }
}

/** Decodes network bytes; every malformation is a SecureTransportError(MALFORMED_MESSAGE) naming the message and the reason. */
function decode<T>(type: GeneratedMessage, buf: Uint8Array): T {
  if (!(buf instanceof Uint8Array)) {
    throw new SecureTransportError(SECURE_TRANSPORT_ERROR.MALFORMED_MESSAGE, `${type.name} must be a Uint8Array`);
  }
  try {
    return decodeMessage<T>(type, buf, OPTIONS);
  } catch (e) {
    if (e instanceof WireFormatError) throw new SecureTransportError(SECURE_TRANSPORT_ERROR.MALFORMED_MESSAGE, `${type.name}: ${e.message}`);
    throw e;
  }
}

export const encodeSignedPreKey = (k: SignedPreKey): Uint8Array => encode(pb.SignedPreKey, k);
export const decodeSignedPreKey = (buf: Uint8Array): SignedPreKey => decode(pb.SignedPreKey, buf);
export const encodeBundle = (b: Bundle): Uint8Array => encode(pb.Bundle, b);
export const decodeBundle = (buf: Uint8Array): Bundle => decode(pb.Bundle, buf);
export const encodeBundleContainer = (c: BundleContainer): Uint8Array => encode(pb.BundleContainer, c);
export const decodeBundleContainer = (buf: Uint8Array): BundleContainer => decode(pb.BundleContainer, buf);
export const encodeDrHeader = (h: DrHeader): Uint8Array => encode(pb.DRHeader, h);
export const decodeDrHeader = (buf: Uint8Array): DrHeader => decode(pb.DRHeader, buf);
export const encodeDhHeader = (h: DhHeader): Uint8Array => encode(pb.DHHeader, h);
export const decodeDhHeader = (buf: Uint8Array): DhHeader => decode(pb.DHHeader, buf);
export const encodeX3dhHeader = (h: X3dhHeader): Uint8Array => encode(pb.X3DHHeader, h);
export const decodeX3dhHeader = (buf: Uint8Array): X3dhHeader => decode(pb.X3DHHeader, buf);
export const encodeDirectMessageProtocol = (m: DirectMessageProtocol): Uint8Array => encode(pb.DirectMessageProtocol, m);
export const decodeDirectMessageProtocol = (buf: Uint8Array): DirectMessageProtocol => decode(pb.DirectMessageProtocol, buf);
export const encodeProtocolMessage = (m: ProtocolMessage): Uint8Array => encode(pb.ProtocolMessage, m);

/** Decodes a `ProtocolMessage`; every malformation is a SecureTransportError(MALFORMED_MESSAGE). */
export function decodeProtocolMessage(buf: Uint8Array): ProtocolMessage {
  const m = decode<ProtocolMessage>(pb.ProtocolMessage, buf);
  // proto3 bytes have no presence: an empty public_message is no public message.
  if (m.publicMessage !== undefined && m.publicMessage.length === 0) delete m.publicMessage;
  return m;
}
