// The transaction commands of 1:1 chats (status-go command.proto).
import { decodeMessage, encodeMessage, type MessageSpec, type WithUnknownFields } from './protobuf-wire.js';
import { PAYLOAD_ERROR, PayloadError } from './errors.js';
import { validateClockValue } from './clock.js';

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

const clock = { no: 1, name: 'clock', kind: 'uint64' } as const;

export const REQUEST_ADDRESS_FOR_TRANSACTION_SPEC: MessageSpec = {
  name: 'RequestAddressForTransaction',
  fields: [clock, { no: 2, name: 'value', kind: 'string' }, { no: 3, name: 'contract', kind: 'string' }, { no: 4, name: 'chatId', kind: 'string' }],
};
export const ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC: MessageSpec = {
  name: 'AcceptRequestAddressForTransaction',
  fields: [clock, { no: 2, name: 'id', kind: 'string' }, { no: 3, name: 'address', kind: 'string' }, { no: 4, name: 'chatId', kind: 'string' }],
};
export const DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC: MessageSpec = {
  name: 'DeclineRequestAddressForTransaction',
  fields: [clock, { no: 2, name: 'id', kind: 'string' }, { no: 3, name: 'chatId', kind: 'string' }],
};
export const DECLINE_REQUEST_TRANSACTION_SPEC: MessageSpec = {
  name: 'DeclineRequestTransaction',
  fields: [clock, { no: 2, name: 'id', kind: 'string' }, { no: 3, name: 'chatId', kind: 'string' }],
};
export const REQUEST_TRANSACTION_SPEC: MessageSpec = {
  name: 'RequestTransaction',
  fields: [
    clock,
    { no: 2, name: 'address', kind: 'string' },
    { no: 3, name: 'value', kind: 'string' },
    { no: 4, name: 'contract', kind: 'string' },
    { no: 5, name: 'chatId', kind: 'string' },
  ],
};
export const SEND_TRANSACTION_SPEC: MessageSpec = {
  name: 'SendTransaction',
  fields: [
    clock,
    { no: 2, name: 'id', kind: 'string' },
    { no: 3, name: 'transactionHash', kind: 'string' },
    { no: 4, name: 'signature', kind: 'bytes' },
    { no: 5, name: 'chatId', kind: 'string' },
  ],
};

export const encodeRequestAddressForTransaction = (m: RequestAddressForTransaction): Uint8Array => encodeMessage(REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, m);
export const decodeRequestAddressForTransaction = (b: Uint8Array): RequestAddressForTransaction => decodeMessage(REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, b);
export const encodeAcceptRequestAddressForTransaction = (m: AcceptRequestAddressForTransaction): Uint8Array =>
  encodeMessage(ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, m);
export const decodeAcceptRequestAddressForTransaction = (b: Uint8Array): AcceptRequestAddressForTransaction =>
  decodeMessage(ACCEPT_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, b);
export const encodeDeclineRequestAddressForTransaction = (m: DeclineRequestAddressForTransaction): Uint8Array =>
  encodeMessage(DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, m);
export const decodeDeclineRequestAddressForTransaction = (b: Uint8Array): DeclineRequestAddressForTransaction =>
  decodeMessage(DECLINE_REQUEST_ADDRESS_FOR_TRANSACTION_SPEC, b);
export const encodeDeclineRequestTransaction = (m: DeclineRequestTransaction): Uint8Array => encodeMessage(DECLINE_REQUEST_TRANSACTION_SPEC, m);
export const decodeDeclineRequestTransaction = (b: Uint8Array): DeclineRequestTransaction => decodeMessage(DECLINE_REQUEST_TRANSACTION_SPEC, b);
export const encodeRequestTransaction = (m: RequestTransaction): Uint8Array => encodeMessage(REQUEST_TRANSACTION_SPEC, m);
export const decodeRequestTransaction = (b: Uint8Array): RequestTransaction => decodeMessage(REQUEST_TRANSACTION_SPEC, b);
export const encodeSendTransaction = (m: SendTransaction): Uint8Array => encodeMessage(SEND_TRANSACTION_SPEC, m);
export const decodeSendTransaction = (b: Uint8Array): SendTransaction => decodeMessage(SEND_TRANSACTION_SPEC, b);

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
