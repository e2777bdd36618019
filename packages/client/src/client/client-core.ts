import createDebug from 'debug';
import { getPublicKey } from '@status-stack/crypto';
import type { EnvelopeTransport } from '@status-stack/whisper';
import type { SecureTransport } from '@status-stack/secure-transport';
import { publicKeyToHex } from '@status-stack/payloads';
import { StorageError } from '../errors.js';
import type { Account, ClientStorage } from '../types.js';
import { CLIENT_DEFAULTS } from './constants.js';
import { CLIENT_ERROR, ClientError, checkTimeout, type IgnoredReason } from './errors.js';
import { TypedEmitter } from './events.js';
import type { ClientIdentity, IgnoredEvent, OwnedResources, StatusClientEvents, StatusClientOptions, WaitOptions } from './types.js';

/** The client's debug log (`DEBUG=status:client`). */
export const log: (format: string, ...args: unknown[]) => void = createDebug('status:client');

export type ClientStatus = 'new' | 'starting' | 'running' | 'stopped';

export interface HistoryRetryPolicy {
  initialMs: number;
  maxMs: number;
  jitter: number;
}

/** The client's timing and limits, from StatusClientOptions with CLIENT_DEFAULTS filled in. */
export interface ClientSettings {
  ttl: number;
  powTarget: number;
  mvdsEpochMs: number;
  mvdsResend: { firstResendMs: number; maxResendIntervalMs: number; maxTransmissions: number; giveUpAfterMs: number };
  contactCodeIntervalMs: number;
  historyWindowSeconds: number;
  historyPageLimit: number;
  waitTimeoutMs: number;
  historyEnabled: boolean;
  historyRetry: HistoryRetryPolicy;
  /** Node id of the trusted mailserver of a networked client. */
  mailserver: string | undefined;
}

const HISTORY_RETRY_DEFAULTS: HistoryRetryPolicy = { initialMs: 1000, maxMs: 5 * 60 * 1000, jitter: 0.2 };

function historyRetryPolicy(o: NonNullable<StatusClientOptions['options']>): HistoryRetryPolicy {
  const p = {
    initialMs: o.historyRetryInitialMs ?? HISTORY_RETRY_DEFAULTS.initialMs,
    maxMs: o.historyRetryMaxMs ?? HISTORY_RETRY_DEFAULTS.maxMs,
    jitter: o.historyRetryJitter ?? HISTORY_RETRY_DEFAULTS.jitter,
  };
  if (!(p.initialMs > 0) || !(p.maxMs >= p.initialMs) || !(p.jitter >= 0 && p.jitter < 1)) {
    throw new ClientError(CLIENT_ERROR.INVALID_ARGUMENT, `history retry: need 0 < initial ≤ max and 0 ≤ jitter < 1, got ${JSON.stringify(p)}`);
  }
  return p;
}

function settingsOf(options: StatusClientOptions): ClientSettings {
  const o = options.options ?? {};
  return {
    ttl: o.ttl ?? CLIENT_DEFAULTS.TTL,
    powTarget: o.powTarget ?? CLIENT_DEFAULTS.POW_TARGET,
    mvdsEpochMs: o.mvdsEpochMs ?? CLIENT_DEFAULTS.MVDS_EPOCH_MS,
    mvdsResend: {
      firstResendMs: o.mvdsFirstResendMs ?? CLIENT_DEFAULTS.MVDS_FIRST_RESEND_MS,
      maxResendIntervalMs: o.mvdsMaxResendIntervalMs ?? CLIENT_DEFAULTS.MVDS_MAX_RESEND_INTERVAL_MS,
      maxTransmissions: o.mvdsMaxTransmissions ?? CLIENT_DEFAULTS.MVDS_MAX_TRANSMISSIONS,
      giveUpAfterMs: o.mvdsGiveUpAfterMs ?? CLIENT_DEFAULTS.MVDS_GIVE_UP_AFTER_MS,
    },
    contactCodeIntervalMs: o.contactCodeIntervalMs ?? CLIENT_DEFAULTS.CONTACT_CODE_INTERVAL_MS,
    historyWindowSeconds: o.historyWindowSeconds ?? CLIENT_DEFAULTS.HISTORY_WINDOW_SECONDS,
    historyPageLimit: o.historyPageLimit ?? CLIENT_DEFAULTS.HISTORY_PAGE_LIMIT,
    waitTimeoutMs: checkTimeout(o.waitTimeoutMs ?? CLIENT_DEFAULTS.WAIT_TIMEOUT_MS, 'options.waitTimeoutMs'),
    mailserver: options.mailserver,
    historyEnabled: options.transport.requestHistory !== undefined && (options.history ?? true),
    historyRetry: historyRetryPolicy(o),
  };
}

function isAccount(identity: ClientIdentity | Account): identity is Account {
  return 'chatKey' in identity;
}

/**
 * What every part of a client shares: who we are, the storage and transport, the settings, the
 * events it emits, its run state, and the one queue inbound work and local group changes run in.
 */
export class ClientCore {
  readonly storage: ClientStorage;
  readonly transport: EnvelopeTransport;
  readonly owned: OwnedResources | undefined;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly identityInstallationId: string | undefined;
  readonly now: () => number;
  readonly settings: ClientSettings;
  readonly emitter: TypedEmitter<StatusClientEvents>;
  readonly timers = new Set<NodeJS.Timeout>();

  status: ClientStatus = 'new';
  installation: string | undefined;
  secureTransport: SecureTransport | undefined;

  private readonly background = new Set<Promise<unknown>>();
  private inbound: Promise<void> = Promise.resolve();

  constructor(options: StatusClientOptions) {
    const id = options.identity;
    this.privateKey = (isAccount(id) ? id.chatKey.privateKey : id.privateKey).slice();
    this.identityInstallationId = isAccount(id) ? undefined : id.installationId;
    this.publicKey = getPublicKey(this.privateKey);
    this.publicKeyHex = publicKeyToHex(this.publicKey);
    this.storage = options.storage;
    this.transport = options.transport;
    this.owned = options.owned;
    this.now = options.now ?? Date.now;
    this.settings = settingsOf(options);
    this.emitter = new TypedEmitter<StatusClientEvents>((event, e) => log('listener of %s threw: %O', event, e));
  }

  get installationId(): string {
    if (this.installation === undefined) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'the installation id is known once the client has started');
    return this.installation;
  }

  /** The secure transport (bundles, installations) of a started client. */
  get secure(): SecureTransport {
    if (!this.secureTransport) throw new ClientError(CLIENT_ERROR.NOT_STARTED, 'client is not started');
    return this.secureTransport;
  }

  assertRunning(): void {
    if (this.status !== 'running') throw new ClientError(CLIENT_ERROR.NOT_STARTED, `client is ${this.status}`);
  }

  /** Runs `p` in the background: its failure is reported, and `stop` waits for it. */
  track<T>(p: Promise<T>): void {
    const q = p.then(
      () => undefined,
      (e: unknown) => this.reportError(e, CLIENT_ERROR.TRANSPORT_FAILED, 'background task'),
    );
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /**
   * Runs inbound processing and local group state changes one at a time, in arrival order. A failure
   * of inbound work is reported as an 'error' event; a local operation's failure goes to its caller.
   */
  enqueue<T>(fn: () => Promise<T>, local = false): Promise<T> {
    const run = this.inbound.then(fn);
    this.inbound = run.then(
      () => undefined,
      (e: unknown) => {
        if (!local) this.reportError(e, CLIENT_ERROR.STORAGE_FAILED, 'processing');
      },
    );
    return run;
  }

  /** Waits for the background tasks, then for the inbound queue. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.background]);
    await this.inbound;
  }

  reportError(e: unknown, code: ClientError['code'], what: string): void {
    const c = e instanceof StorageError ? CLIENT_ERROR.STORAGE_FAILED : code;
    const err = e instanceof ClientError ? e : new ClientError(c, `${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    log('%s: %s', what, err.message);
    this.emitter.emit('error', err);
  }

  /** Reports a malformed or unusable payload (INVALID_PAYLOAD or another code) as an 'error' event. */
  payloadError(code: ClientError['code'], message: string, cause?: unknown): void {
    this.emitter.emit('error', new ClientError(code, message, cause === undefined ? undefined : { cause }));
  }

  ignore(reason: IgnoredReason, detail: string, extra: Omit<IgnoredEvent, 'reason' | 'detail'> = {}): void {
    log('ignored (%s): %s', reason, detail);
    this.emitter.emit('ignored', { reason, detail, ...extra });
  }

  /** The time limit of a wait: `timeoutMs` if given, else the client's default when there is no signal, else none. */
  waitLimit(options: WaitOptions, what: string): number {
    if (options.timeoutMs !== undefined) return checkTimeout(options.timeoutMs, what);
    return options.signal ? Infinity : this.settings.waitTimeoutMs;
  }

  /** True when history can be asked now: a passed-in transport, or our mailserver peer connected. */
  mailserverReady(): boolean {
    const mailserver = this.settings.mailserver;
    if (!this.owned || !mailserver) return true;
    return this.owned.node.peers().some((p) => p.id === mailserver);
  }
}
