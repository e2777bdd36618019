// Errors of the status-chat CLI: bad commands, accounts it cannot open, peers it cannot reach.

export const CHAT_CLI_ERROR = {
  /** A line or an option that does not parse (the message says how to write it). */
  USAGE: 'USAGE',
  /** A name, key or chat that does not resolve to exactly one contact or chat. */
  UNKNOWN_TARGET: 'UNKNOWN_TARGET',
  /** The data dir holds no account, or already holds one when creating. */
  NO_ACCOUNT: 'NO_ACCOUNT',
  ACCOUNT_EXISTS: 'ACCOUNT_EXISTS',
  /** A password is needed and there is no terminal to ask on and no --password-file / STATUS_CHAT_PASSWORD. */
  NO_PASSWORD: 'NO_PASSWORD',
  /** No peer connected within the timeout. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** A send or wait did not finish within the timeout. */
  TIMEOUT: 'TIMEOUT',
} as const;

export type ChatCliErrorCode = (typeof CHAT_CLI_ERROR)[keyof typeof CHAT_CLI_ERROR];

export class ChatCliError extends Error {
  readonly code: ChatCliErrorCode;

  constructor(code: ChatCliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChatCliError';
    this.code = code;
  }
}
