import { concatBytes, ecdh, keccak256 } from '@status-stack/crypto';

/**
 * Status X3DH, initiator side (status-go x3dh.go): secp256k1, three DHs, no one-time prekey,
 * SK = keccak256(DH1 ‖ DH2 ‖ DH3), each DH the 32-byte X coordinate.
 * DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B).
 */
export function x3dhInitiator(
  myIdentityPrivateKey: Uint8Array,
  myEphemeralPrivateKey: Uint8Array,
  theirIdentityKey: Uint8Array,
  theirSignedPreKey: Uint8Array,
): Uint8Array {
  const dh1 = ecdh(myIdentityPrivateKey, theirSignedPreKey);
  const dh2 = ecdh(myEphemeralPrivateKey, theirIdentityKey);
  const dh3 = ecdh(myEphemeralPrivateKey, theirSignedPreKey);
  return keccak256(concatBytes(dh1, dh2, dh3));
}

/** Status X3DH, responder side: the same three DHs from the other end. */
export function x3dhResponder(
  myIdentityPrivateKey: Uint8Array,
  mySignedPreKeyPrivateKey: Uint8Array,
  theirIdentityKey: Uint8Array,
  theirEphemeralKey: Uint8Array,
): Uint8Array {
  const dh1 = ecdh(mySignedPreKeyPrivateKey, theirIdentityKey);
  const dh2 = ecdh(myIdentityPrivateKey, theirEphemeralKey);
  const dh3 = ecdh(mySignedPreKeyPrivateKey, theirEphemeralKey);
  return keccak256(concatBytes(dh1, dh2, dh3));
}
