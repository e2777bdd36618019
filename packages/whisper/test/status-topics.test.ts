import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@status-stack/crypto';
import {
  contactCodeTopic,
  contactCodeTopicName,
  discoveryTopic,
  negotiatedSecret,
  partitionedTopic,
  partitionedTopicName,
  personalDiscoveryTopic,
  publicChatKey,
  publicChatTopic,
  symKeyFromPassword,
  topicToHex,
  WhisperError,
} from '../src/index.js';
import { loadVector } from './helpers.js';

interface Identity {
  label: string;
  private_key: string;
  public_key: string;
  compressed_public_key: string;
  contact_code_topic: string;
  contact_code_topic_name: string;
  partitioned_topic: string;
  partitioned_topic_name: string;
  personal_discovery_topic: string;
}
const derivations = loadVector<{
  discovery_topic: string;
  identities: Identity[];
  public_chats: Array<{ chat_name: string; sym_key: string; topic: string }>;
  negotiated_secret: { shared_secret: string; password: string; sym_key: string; topic: string };
}>('waku1-envelopes-and-status-derivations.status-go-v0.62.18.json');
const independent = loadVector<{
  status_public_chat_computed_independently: { vectors: Array<{ chat_name: string; topic_keccak256_first4: string; symkey_pbkdf2_sha256_65356: string }> };
}>('whisper-v6.json');
const captured = loadVector<{ partitioned_topics: Record<string, [string, string]>; identities: Record<string, { public_key: string }> }>('status-fullstack-captured-waku1.json');
const hex0x = (b: Uint8Array) => `0x${bytesToHex(b)}`;

describe('Status topics and keys against status-go v0.62.18 derivations', () => {
  it.each(derivations.public_chats.map((c) => [c.chat_name, c]))('public chat %s: topic and key', (_n, c) => {
    expect(topicToHex(publicChatTopic(c.chat_name))).toBe(c.topic);
    expect(hex0x(publicChatKey(c.chat_name))).toBe(c.sym_key);
  });

  it.each(independent.status_public_chat_computed_independently.vectors.map((c) => [c.chat_name, c]))('public chat %s (independent computation)', (_n, c) => {
    expect(topicToHex(publicChatTopic(c.chat_name))).toBe(c.topic_keccak256_first4);
    expect(hex0x(symKeyFromPassword(c.chat_name))).toBe(c.symkey_pbkdf2_sha256_65356);
  });

  it.each(derivations.identities.map((i) => [i.label, i]))('identity %s: partitioned, contact-code and personal topics, from any key encoding', (_l, i) => {
    for (const key of [hexToBytes(i.public_key), hexToBytes(i.compressed_public_key), hexToBytes(i.public_key).subarray(1)]) {
      expect(partitionedTopicName(key)).toBe(i.partitioned_topic_name);
      expect(topicToHex(partitionedTopic(key))).toBe(i.partitioned_topic);
      expect(contactCodeTopicName(key)).toBe(i.contact_code_topic_name);
      expect(topicToHex(contactCodeTopic(key))).toBe(i.contact_code_topic);
      expect(topicToHex(personalDiscoveryTopic(key))).toBe(i.personal_discovery_topic);
    }
  });

  it('partitioned topics of the captured messengers', () => {
    for (const [who, [name, topic]] of Object.entries(captured.partitioned_topics)) {
      const key = hexToBytes(captured.identities[who].public_key);
      expect(partitionedTopicName(key)).toBe(name);
      expect(topicToHex(partitionedTopic(key))).toBe(topic);
    }
  });

  it('discovery topic', () => {
    expect(topicToHex(discoveryTopic())).toBe(derivations.discovery_topic);
  });

  it('negotiated topic and key, the same from both sides', () => {
    const [a, b] = derivations.identities;
    const n = derivations.negotiated_secret;
    for (const s of [negotiatedSecret(hexToBytes(a.private_key), hexToBytes(b.public_key)), negotiatedSecret(hexToBytes(b.private_key), hexToBytes(a.compressed_public_key))]) {
      expect(hex0x(s.secret)).toBe(n.shared_secret);
      expect(s.password).toBe(n.password);
      expect(topicToHex(s.topic)).toBe(n.topic);
      expect(hex0x(s.symKey)).toBe(n.sym_key);
    }
  });

  it('rejects a malformed public key with a typed error', () => {
    expect(() => partitionedTopic(new Uint8Array(10))).toThrow(WhisperError);
    expect(() => contactCodeTopic(new Uint8Array(65))).toThrow(WhisperError);
  });
});
