import { isIP } from 'node:net';
import { OverlayError, OVERLAY_ERROR } from './errors.js';

/** The parts of an enode URL (devp2p enode URL scheme). */
export interface Enode {
  /** Node id: 64-byte uncompressed public key without the 0x04 prefix, lowercase hex. */
  readonly id: string;
  /** IP address or host name. */
  readonly host: string;
  /** TCP (RLPx) port. */
  readonly port: number;
  /** UDP discovery port, when it differs from the TCP port (`?discport=`). */
  readonly discPort?: number;
}

const ENODE_RE = /^enode:\/\/([0-9a-fA-F]{128})@(\[[0-9a-fA-F:.]+\]|[^:/?#@[\]]+):(\d{1,5})(?:\?discport=(\d{1,5}))?$/;
const HOSTNAME_RE = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function checkPort(text: string, url: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `port ${text} out of range in ${url}`);
  }
  return n;
}

export function parseEnode(url: string): Enode {
  if (typeof url !== 'string') throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `not a string: ${String(url)}`);
  const m = ENODE_RE.exec(url.trim());
  if (!m) throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `not an enode URL: ${JSON.stringify(url)}`);
  let host = m[2];
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `bad IPv6 address ${host} in ${url}`);
  } else if (isIP(host) === 0 && !HOSTNAME_RE.test(host)) {
    throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `bad host ${host} in ${url}`);
  }
  const port = checkPort(m[3], url);
  const enode: Enode = { id: m[1].toLowerCase(), host, port };
  if (m[4] !== undefined) {
    const discPort = checkPort(m[4], url);
    if (discPort !== port) return { ...enode, discPort };
  }
  return enode;
}

export function formatEnode(enode: Enode): string {
  if (!/^[0-9a-fA-F]{128}$/.test(enode.id)) {
    throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `node id must be 128 hex characters: ${enode.id}`);
  }
  if (!Number.isInteger(enode.port) || enode.port < 0 || enode.port > 65535) {
    throw new OverlayError(OVERLAY_ERROR.INVALID_ENODE, `port out of range: ${enode.port}`);
  }
  const host = isIP(enode.host) === 6 ? `[${enode.host}]` : enode.host;
  const disc = enode.discPort !== undefined && enode.discPort !== enode.port ? `?discport=${enode.discPort}` : '';
  return `enode://${enode.id.toLowerCase()}@${host}:${enode.port}${disc}`;
}
