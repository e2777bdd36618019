// status-inspect's keys: the candidates each envelope is tried with, derived once (PBKDF2 is slow).
import { getPublicKey, isValidPrivateKey, normalizePublicKey, toHex0x, utf8ToBytes, type PublicKey } from '@status-stack/crypto';
import { contactCodeTopic, discoveryTopic, negotiatedSecret, partitionedTopic, personalDiscoveryTopic, publicChatKey, publicChatTopic, symKeyFromPassword } from '@status-stack/whisper';
import { type AsymCandidate, INSPECT_ERROR, InspectError, type InspectKeys, type KeyRing, type SymCandidate } from './inspect-types.js';

function labelKey(key: Uint8Array): string {
  return toHex0x(key);
}

/** Validates the keys and derives the chat, negotiated and password keys once. Throws InspectError(INVALID_KEY). */
export function prepareKeys(keys: InspectKeys | KeyRing): KeyRing {
  if ('kind' in keys && keys.kind === 'keyring') return keys;
  const k = keys as InspectKeys;
  const symmetric: SymCandidate[] = [];
  for (const name of k.chats ?? []) {
    if (name.length === 0) throw new InspectError(INSPECT_ERROR.INVALID_KEY, 'public chat name is empty');
    symmetric.push({ kind: 'public-chat', label: `public-chat:${name}`, key: publicChatKey(name), topic: publicChatTopic(name) });
  }
  for (const key of k.symKeys ?? []) {
    if (key.length !== 32) throw new InspectError(INSPECT_ERROR.INVALID_KEY, `symmetric key must be 32 bytes, got ${key.length}: ${toHex0x(key)}`);
    symmetric.push({ kind: 'sym-key', label: `sym-key:${labelKey(key)}`, key });
  }
  let asymmetric: AsymCandidate | undefined;
  if (k.privateKey !== undefined) {
    if (k.privateKey.length !== 32 || !isValidPrivateKey(k.privateKey)) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `private key is not a secp256k1 private key (${k.privateKey.length} bytes)`);
    }
    const publicKey = getPublicKey(k.privateKey);
    asymmetric = {
      label: `asymmetric:${toHex0x(publicKey)}`,
      privateKey: k.privateKey,
      publicKey,
      topics: [partitionedTopic(publicKey), discoveryTopic(), personalDiscoveryTopic(publicKey), contactCodeTopic(publicKey)],
    };
  }
  for (const peer of k.peers ?? []) {
    let full: PublicKey;
    try {
      full = normalizePublicKey(peer);
    } catch (e) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `peer key is not a secp256k1 public key: ${toHex0x(peer)}`, { cause: e });
    }
    if (asymmetric === undefined) {
      throw new InspectError(INSPECT_ERROR.INVALID_KEY, `--peer ${toHex0x(full)} needs --private-key: the negotiated key is ECDH(our private key, peer key)`);
    }
    const secret = negotiatedSecret(asymmetric.privateKey, full);
    symmetric.push({ kind: 'negotiated-secret', label: `negotiated-secret:${toHex0x(full)}`, key: secret.symKey, topic: secret.topic });
  }
  for (const pw of k.mailserverPasswords ?? []) {
    symmetric.push({ kind: 'mailserver-password', label: 'mailserver-password', key: symKeyFromPassword(utf8ToBytes(pw)) });
  }
  return { kind: 'keyring', symmetric, asymmetric };
}
