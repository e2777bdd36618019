import { readFileSync } from 'node:fs';
import { hexToBytes } from '@status-stack/crypto';
import type { MvdsMessage, MvdsPayload } from '../src/index.js';

export function readVector<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../vectors/mvds/${name}`, import.meta.url), 'utf8')) as T;
}

export interface JsonMessage {
  group_id: string;
  timestamp: string;
  body: string;
  metadata?: { parents: string[]; ephemeral: boolean };
}

export interface JsonPayload {
  name: string;
  acks: string[];
  offers: string[];
  requests: string[];
  messages: JsonMessage[];
  encoded: string;
}

export interface CodecVectors {
  messages: (JsonMessage & { encoded: string; id: string })[];
  payloads: JsonPayload[];
  invalid_payloads: { name: string; encoded: string; code: string }[];
  unknown_fields_skipped: { encoded: string; acks: string[] };
}

export function messageFromJson(m: JsonMessage): MvdsMessage {
  const out: MvdsMessage = { groupId: hexToBytes(m.group_id), timestamp: BigInt(m.timestamp), body: hexToBytes(m.body) };
  if (m.metadata !== undefined) {
    out.metadata = { parents: m.metadata.parents.map((p) => hexToBytes(p)), ephemeral: m.metadata.ephemeral };
  }
  return out;
}

export function payloadFromJson(p: JsonPayload): MvdsPayload {
  return {
    acks: p.acks.map((x) => hexToBytes(x)),
    offers: p.offers.map((x) => hexToBytes(x)),
    requests: p.requests.map((x) => hexToBytes(x)),
    messages: p.messages.map(messageFromJson),
  };
}
