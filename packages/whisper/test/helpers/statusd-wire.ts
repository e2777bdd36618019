// The statusd (status-go v0.62.18) wire captures copied into vectors/ (see the SOURCE.md files):
// vectors/whisper-mailserver/whisper_mailserver_exchange.json and vectors/whisper/subprotocol_status_packets.json.
import { readFileSync } from 'node:fs';
import { hexToBytes } from '@status-stack/crypto';

interface CapturedEnvelope {
  expiry: number;
  ttl: number;
  topic: string;
  data: string;
  nonce: string;
  rlp: string;
  openedWithPublicChatKey: { key: string; flags: number; payload: string; signature: string; paddingLength: number };
}

interface CapturedPacket {
  code: number;
  absoluteCode: number;
  frameBody: string;
  payload: string;
}

export interface MailserverExchange {
  'requests_sent_by_status-go': {
    p2p_MessagesRequest_form: CapturedPacket & {
      decoded: { fieldCount: number; fields: { name: string; hex: string; value?: number }[] };
    };
    envelope_form: CapturedPacket & {
      envelope: { expiry: number; ttl: number; topic: string; dataLength: number; data: string; nonce: string; rlp: string };
      symKey: string;
      opened: {
        aesGcmNonce: string;
        plaintext: string;
        flags: number;
        payload: string;
        paddingLength: number;
        signature: string;
        payloadDecoded: { Lower: number; Upper: number; Bloom: string; Topics: string[]; Limit: number; Cursor: string; Batch: boolean };
      };
    };
  };
  statusd_responses: {
    to_p2p_MessagesRequest_form: [CapturedPacket & { envelopeCount: number; envelopes: CapturedEnvelope[] }, CapturedPacket & { decoded: Record<string, string | number> }];
    to_envelope_form: [CapturedPacket & { envelopeCount: number; envelopes: CapturedEnvelope[] }, CapturedPacket & { decoded: Record<string, string | number> }];
  };
  project_fake_mailserver_responses_for_comparison: {
    to_p2p_MessagesRequest_form: [{ payload: string; envelopeCount: number }, { payload: string; decoded: Record<string, string> }];
    to_envelope_form: [{ payload: string; envelopeCount: number }, { payload: string; decoded: Record<string, string> }];
  };
  seven_field_request_to_statusd: { payloadSent: string; statusdReply: { frameBody: string; payload: string; reason: string; msAfterRequest: number } };
}

export interface StatusPacketsCapture {
  packets: Array<{
    name: string;
    capability: 'waku/1' | 'shh/6';
    code: number;
    absoluteCode: number;
    frameBody: string;
    snappyCompressed: string;
    payload: string;
    decoded: unknown;
  }>;
  otherPacketsFromStatusd: Array<{ run: string; absoluteCode: number; frameBody: string; payload: string }>;
  projectStatusPacketsForComparison: Array<{ run: string; capability: 'waku/1' | 'shh/6'; payload: string }>;
}

function load<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../vectors/${path}`, import.meta.url), 'utf8')) as T;
}

export const exchange = load<MailserverExchange>('whisper-mailserver/whisper_mailserver_exchange.json');
export const statusPackets = load<StatusPacketsCapture>('whisper/subprotocol_status_packets.json');

/** The status-go harness hB's node key: its envelope-form request is signed with it (the server checks it against the peer id). */
export const HARNESS_NODE_KEY = hexToBytes('b1c0c0d3b5d5e1c7b7d3d1e4f6a9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a392817');
/** statusd's mailserver password (WhisperConfig.MailServerPassword). */
export const MAILSERVER_PASSWORD = 'status-offline-inbox';
/** The public chat the archived envelopes belong to. */
export const CHAT = 'cap-room';

/** statusd's Whisper v6 status payload: `[6, pow 2e-06, bloom empty, light false, confirmations true, [0,0,0]]`. */
export const STATUSD_WHISPER_STATUS = hexToBytes(statusPackets.packets.find((p) => p.name === 'statusd_whisper_shh6_status')!.payload);
/** statusd's Waku v1 status payload (keys 0, 1, 2, 3, 4, 6). */
export const STATUSD_WAKU_STATUS = hexToBytes(statusPackets.packets.find((p) => p.name === 'statusd_waku_waku1_status')!.payload);

/** The six envelopes statusd archived (RLP), oldest first as statusd serves them. */
export const ARCHIVED = exchange.statusd_responses.to_p2p_MessagesRequest_form[0].envelopes;

/** The capture's time (the 6-field request's `To`), for clocks that must see the archive as recent. */
export const CAPTURE_SECONDS = exchange['requests_sent_by_status-go'].p2p_MessagesRequest_form.decoded.fields[2].value!;
