export { StatusClient } from './status-client.js';
export { CLIENT_NS, CLIENT_DEFAULTS } from './constants.js';
export { buildNetworkStack } from './networked.js';
export { CLIENT_ERROR, ClientError, IGNORED_REASON, type ClientErrorCode, type IgnoredReason } from './errors.js';
export { StorageSessionStore, SESSION_NS } from './session-store.js';
export { StorageMvdsStore, MVDS_NS } from './mvds-store.js';
export { TypedEmitter, iterateEvents, waitForEvent } from './events.js';
export type {
  ClientIdentity,
  ClientInstallation,
  InstallationMetadata,
  StatusClientOptions,
  StatusClientTiming,
  OwnedResources,
  ReceivedVia,
  ClientMessage,
  ClientChat,
  DeliveryEvent,
  IgnoredEvent,
  StatusClientEvents,
  SendOptions,
  IterateOptions,
  WaitOptions,
  RequestHistoryOptions,
  HistoryProgress,
  NetworkedClientOptions,
} from './types.js';
