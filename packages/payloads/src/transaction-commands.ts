// The transaction commands of 1:1 chats (status-go command.proto).
import { statusstack } from '../generated/codec.generated.js';
import { decode, encode, type AssertTrue, type SameFields, type WithUnknownFields } from './protobuf.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { validateClockValue } from './clock.js';

const pb = statusstack.payloads;

export interface RequestAddressForTransaction extends WithUnknownFields {
  clock: bigint;
  value: string;
  contract: string;
  chatId: string;
}
export interface AcceptRequestAddressForTransaction extends WithUnknownFields {
  clock: bigint;
  id: string;
  address: string;
  chatId: string;
}
export interface DeclineRequestAddressForTransaction extends WithUnknownFields {
  clock: bigint;
  id: string;
  chatId: string;
}
export interface DeclineRequestTransaction extends WithUnknownFields {
  clock: bigint;
  id: string;
  chatId: string;
}
export interface RequestTransaction extends WithUnknownFields {
  clock: bigint;
  address: string;
  value: string;
  contract: string;
  chatId: string;
}
export interface SendTransaction extends WithUnknownFields {
  clock: bigint;
  id: string;
  transactionHash: string;
  signature: Uint8Array;
  chatId: string;
}

type _Fields =
  | AssertTrue<SameFields<RequestAddressForTransaction, statusstack.payloads.RequestAddressForTransaction.$Properties>>
  | AssertTrue<SameFields<AcceptRequestAddressForTransaction, statusstack.payloads.AcceptRequestAddressForTransaction.$Properties>>
  | AssertTrue<SameFields<DeclineRequestAddressForTransaction, statusstack.payloads.DeclineRequestAddressForTransaction.$Properties>>
  | AssertTrue<SameFields<DeclineRequestTransaction, statusstack.payloads.DeclineRequestTransaction.$Properties>>
  | AssertTrue<SameFields<RequestTransaction, statusstack.payloads.RequestTransaction.$Properties>>
  | AssertTrue<SameFields<SendTransaction, statusstack.payloads.SendTransaction.$Properties>>;

export const encodeRequestAddressForTransaction = (m: RequestAddressForTransaction): Uint8Array => encode(pb.RequestAddressForTransaction, m);
export const decodeRequestAddressForTransaction = (b: Uint8Array): RequestAddressForTransaction => decode(pb.RequestAddressForTransaction, b);
export const encodeAcceptRequestAddressForTransaction = (m: AcceptRequestAddressForTransaction): Uint8Array =>
  encode(pb.AcceptRequestAddressForTransaction, m);
export const decodeAcceptRequestAddressForTransaction = (b: Uint8Array): AcceptRequestAddressForTransaction =>
  decode(pb.AcceptRequestAddressForTransaction, b);
export const encodeDeclineRequestAddressForTransaction = (m: DeclineRequestAddressForTransaction): Uint8Array =>
  encode(pb.DeclineRequestAddressForTransaction, m);
export const decodeDeclineRequestAddressForTransaction = (b: Uint8Array): DeclineRequestAddressForTransaction =>
  decode(pb.DeclineRequestAddressForTransaction, b);
export const encodeDeclineRequestTransaction = (m: DeclineRequestTransaction): Uint8Array => encode(pb.DeclineRequestTransaction, m);
export const decodeDeclineRequestTransaction = (b: Uint8Array): DeclineRequestTransaction => decode(pb.DeclineRequestTransaction, b);
export const encodeRequestTransaction = (m: RequestTransaction): Uint8Array => encode(pb.RequestTransaction, m);
export const decodeRequestTransaction = (b: Uint8Array): RequestTransaction => decode(pb.RequestTransaction, b);
export const encodeSendTransaction = (m: SendTransaction): Uint8Array => encode(pb.SendTransaction, m);
export const decodeSendTransaction = (b: Uint8Array): SendTransaction => decode(pb.SendTransaction, b);

// Receive-side checks of status-go v0.62.18 (protocol/message_validator.go) for the commands.

function invalid(message: string, why: string): PayloadError {
  return new PayloadError(PAYLOAD_ERROR.INVALID_MESSAGE, `invalid ${message}: ${why}`);
}

// The decimal and special forms Go's strconv.ParseFloat accepts (hex floats are not used for amounts).
const GO_FLOAT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function checkAmount(message: string, value: string): void {
  if (value.trim().length === 0) throw invalid(message, 'value is empty');
  if (!GO_FLOAT.test(value)) throw invalid(message, `value ${JSON.stringify(value)} is not a number`);
}

function checkNotBlank(message: string, field: string, value: string): void {
  if (value.trim().length === 0) throw invalid(message, `${field} is empty`);
}

export function validateReceivedRequestAddressForTransaction(m: RequestAddressForTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  checkAmount('RequestAddressForTransaction', m.value);
}

export function validateReceivedAcceptRequestAddressForTransaction(m: AcceptRequestAddressForTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  if (m.id.length === 0) throw invalid('AcceptRequestAddressForTransaction', 'id is empty');
  checkNotBlank('AcceptRequestAddressForTransaction', 'address', m.address);
}

export function validateReceivedDeclineRequestAddressForTransaction(m: DeclineRequestAddressForTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  if (m.id.length === 0) throw invalid('DeclineRequestAddressForTransaction', 'id is empty');
}

export function validateReceivedDeclineRequestTransaction(m: DeclineRequestTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  if (m.id.length === 0) throw invalid('DeclineRequestTransaction', 'id is empty');
}

export function validateReceivedRequestTransaction(m: RequestTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  checkAmount('RequestTransaction', m.value);
  checkNotBlank('RequestTransaction', 'address', m.address);
}

export function validateReceivedSendTransaction(m: SendTransaction, transportTimestampMs: bigint | number): void {
  validateClockValue(m.clock, transportTimestampMs);
  checkNotBlank('SendTransaction', 'transaction hash', m.transactionHash);
  if (m.signature.length === 0) throw invalid('SendTransaction', 'signature is empty');
}
