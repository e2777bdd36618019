// The payload codecs: pbjs static code generated from proto/*.proto (npm run proto, into
// generated/codec.generated.js), through the shared protobuf runtime, with PayloadError for what goes wrong. Like protobuf-go (status-go), fields
// this version does not know are kept as `unknownFields` and written back last.
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { decodeMessage, encodeMessage, WireFormatError, type GeneratedMessage, type WireOptions } from '@status-stack/protobuf';

export { type AssertTrue, type SameFields, type WithUnknownFields } from '@status-stack/protobuf';

const OPTIONS: WireOptions = { keepUnknownFields: true, copyBytes: true };

/** Decodes network bytes as `type`; every malformation is PayloadError(INVALID_PROTOBUF) naming the message and the reason. */
export function decode<T>(type: GeneratedMessage, bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `${type.name}: expected Uint8Array input, got ${typeof bytes}`);
  }
  try {
    return decodeMessage<T>(type, bytes, OPTIONS);
  } catch (e) {
    if (e instanceof WireFormatError) throw new PayloadError(PAYLOAD_ERROR.INVALID_PROTOBUF, `malformed ${type.name}: ${e.message}`);
    throw e;
  }
}

/** Encodes `value` as `type`; a value its field cannot hold is PayloadError(INVALID_ARGUMENT). */
export function encode(type: GeneratedMessage, value: object): Uint8Array {
  try {
    return encodeMessage(type, value, OPTIONS);
  } catch (e) {
    throw new PayloadError(PAYLOAD_ERROR.INVALID_ARGUMENT, `cannot encode ${type.name}: ${(e as Error).message}`);
  }
}
