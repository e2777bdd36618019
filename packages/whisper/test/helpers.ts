import { readFileSync } from 'node:fs';

/** Reads a vector file from the repo copy in vectors/whisper/. */
export function loadVector<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../vectors/whisper/${name}`, import.meta.url), 'utf8')) as T;
}

export interface RealEnvelopeVector {
  name: string;
  encryption: 'symmetric-aes256gcm' | 'asymmetric-ecies';
  sym_key?: string;
  recipient_private_key?: string;
  recipient_public_key?: string;
  signer_private_key?: string;
  signer_public_key?: string;
  topic: string;
  payload: string;
  padding_param?: string;
  ttl: number;
  pow_target: number;
  envelope_rlp: string;
  envelope_hash: string;
  expiry: number;
  nonce: number;
  data: string;
  pow: number;
  bloom: string;
  decrypted_plaintext: string;
  decoded_payload: string;
  decoded_padding: string;
  decoded_signature?: string;
  decoded_salt_or_iv: string;
  decoded_signer_public_key?: string;
  messages_packet_rlp: string;
}
