/** Protocol constants as status-go v0.62.x uses them (protocol/encryption). */
export const PROTOCOL = {
  /** `SignedPreKey.protocol_version` we advertise (shared-secret negotiation and partitioned topics need >= 1). */
  PROTOCOL_VERSION: 1,
  /** direct_message key of a message encrypted without a bundle (DH header): any device of the recipient may open it. */
  NO_INSTALLATION_ID: 'none',
  /** Devices per identity we encrypt to, most recently active first (multidevice.Config.MaxInstallations). */
  MAX_INSTALLATIONS: 3,
  /** Message keys one header may make us skip in one chain (encryptorConfig.MaxSkip). */
  MAX_SKIP: 1000,
  /** Skipped message keys kept per session, counted in keys generated (encryptorConfig.MaxKeep). */
  MAX_KEEP: 3000,
  /** Hard cap of stored message keys per session, oldest dropped first (MaxMessageKeysPerSession). */
  MAX_MESSAGE_KEYS_PER_SESSION: 2000,
  /** Signed prekey rotation interval (encryptorConfig.BundleRefreshInterval): 24 h. */
  BUNDLE_REFRESH_INTERVAL_MS: 24 * 60 * 60 * 1000,
  /** How long a rotated-out private prekey is kept to open late first messages (ours: 30 days, a mailserver's horizon). */
  PREKEY_RETENTION_MS: 30 * 24 * 60 * 60 * 1000,
  /** Cooldown between bundle advertisements to one identity (status-go publisher deviceNotFoundAckInterval, 7200 s). */
  ADVERTISEMENT_COOLDOWN_MS: 7200 * 1000,
  /** Most bundles we verify in one ProtocolMessage (status-go attaches one): bounds signature recoveries per message. */
  MAX_BUNDLES_PER_MESSAGE: 8,
  /** Most signed prekeys we accept in one received bundle (status-go sends at most MAX_INSTALLATIONS + 1). */
  MAX_BUNDLE_PREKEYS: 32,
} as const;

/** KDF labels of status-go's EthereumCrypto (eth-node/crypto/ethereum_crypto.go). */
export const KDF_INFO = {
  /** KdfRK: HKDF-SHA256(ikm = dh_out, salt = rk, info) → root ‖ chain ‖ header key. */
  ROOT: 'rsZUpEuXUqqwXBvSy3EcievAh4cMj6QL',
  /** Message key expansion: HKDF-SHA256(ikm = mk, salt = 32 zero bytes, info) → enc ‖ auth ‖ iv. */
  MESSAGE: 'pcwSByyx2CRdryCffXJwy7xgVZWtW5Sh',
} as const;

/** HMAC inputs of KdfCK: status-go uses 15/16, not the Signal spec's suggested 0x02/0x01. */
export const CHAIN_KDF_INPUT = {
  CHAIN_KEY: 0x0f,
  MESSAGE_KEY: 0x10,
} as const;
