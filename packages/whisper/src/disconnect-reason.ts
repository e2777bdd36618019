import { DISCONNECT_REASON } from '@status-stack/p2p-overlay';

/** devp2p disconnect reason as text, e.g. `SUBPROTOCOL_ERROR (0x10)`, for logs and error messages. */
export function disconnectReasonText(reason: number): string {
  const name = Object.entries(DISCONNECT_REASON).find(([, v]) => v === reason)?.[0] ?? 'UNKNOWN';
  return `${name} (0x${reason.toString(16).padStart(2, '0')})`;
}
