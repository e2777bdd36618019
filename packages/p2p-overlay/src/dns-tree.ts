import { promises as dnsPromises } from 'node:dns';
import debugFactory from 'debug';
import {
  bytesToHex,
  decompressPublicKey,
  getPublicKey,
  isValidPublicKey,
  keccak256,
  recoverPublicKey,
  equalBytes,
  sign,
  utf8ToBytes,
  type PrivateKey,
} from '@status-stack/crypto';
import { OverlayError, OVERLAY_ERROR } from './errors.js';
import { base64UrlDecode, base64UrlEncode, decodeEnr, type Enr } from './enr.js';

const log = debugFactory('status:p2p-overlay:dns');

/** EIP-1459 entry prefixes. */
export const ENRTREE = {
  ROOT: 'enrtree-root:v1',
  BRANCH: 'enrtree-branch:',
  LINK: 'enrtree://',
  ENR: 'enr:',
} as const;

/**
 * Hashes per branch: 13 base32 hashes of 26 characters keep a branch TXT record under the
 * 370 bytes go-ethereum allows, inside the 512-byte UDP DNS limit (devp2p dnsdisc.md).
 */
export const MAX_BRANCH_CHILDREN = 13;

/** What DNS discovery needs from a resolver: node's `dns.promises.resolveTxt` has this shape. */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** The system resolver (optionally a given DNS server). */
export function systemDnsResolver(server?: string): DnsResolver {
  const r = new dnsPromises.Resolver();
  if (server) r.setServers([server]);
  return { resolveTxt: (name) => r.resolveTxt(name) };
}

/** A resolver serving TXT records from a map (tests, simulations, pre-fetched trees). */
export function mapDnsResolver(records: ReadonlyMap<string, string> | Record<string, string>): DnsResolver {
  const map = records instanceof Map ? records : new Map(Object.entries(records));
  return {
    async resolveTxt(name: string): Promise<string[][]> {
      const v = map.get(name.toLowerCase()) ?? map.get(name);
      if (v === undefined) {
        const err = new Error(`queryTxt ENOTFOUND ${name}`) as Error & { code: string };
        err.code = 'ENOTFOUND';
        throw err;
      }
      // TXT strings are at most 255 bytes each; long records come back in chunks.
      const chunks: string[] = [];
      for (let i = 0; i < v.length; i += 255) chunks.push(v.slice(i, i + 255));
      return [chunks.length > 0 ? chunks : ['']];
    },
  };
}

// RFC 4648 base32, upper case, no padding (dnsdisc.md "References").
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const x of b) {
    value = (value << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(s: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s.toUpperCase()) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new OverlayError(OVERLAY_ERROR.INVALID_DNS_TREE, `not base32: ${s}`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** The subdomain of an entry: base32 of the first 16 bytes of keccak256 of its text. */
export function entryHash(text: string): string {
  return base32Encode(keccak256(utf8ToBytes(text)).subarray(0, 16));
}

export interface EnrTreeUrl {
  /** 33-byte compressed signing key. */
  publicKey: Uint8Array;
  domain: string;
}

function bad(msg: string): never {
  throw new OverlayError(OVERLAY_ERROR.INVALID_DNS_TREE, msg);
}

export function parseEnrTreeUrl(url: string): EnrTreeUrl {
  const m = /^enrtree:\/\/([A-Z2-7]+)@([A-Za-z0-9.-]+)$/.exec(url);
  if (!m) bad(`not an enrtree URL: ${url}`);
  const publicKey = base32Decode(m[1]);
  if (publicKey.length !== 33 || !isValidPublicKey(publicKey)) bad(`bad public key in ${url}`);
  return { publicKey, domain: m[2].toLowerCase() };
}

export function formatEnrTreeUrl(publicKey: Uint8Array, domain: string): string {
  if (publicKey.length !== 33) bad(`public key must be 33 bytes (compressed), got ${publicKey.length}`);
  return `enrtree://${base32Encode(publicKey)}@${domain}`;
}

export interface EnrTreeRoot {
  enrRoot: string;
  linkRoot: string;
  seq: number;
  /** 65 bytes r‖s‖v. */
  signature: Uint8Array;
  /** The signed text (the record without ` sig=…`). */
  signedText: string;
}

const ROOT_RE = /^enrtree-root:v1 e=([A-Z2-7]{10,}) l=([A-Z2-7]{10,}) seq=(\d{1,10}) sig=([A-Za-z0-9_-]+)$/;

export function parseEnrTreeRoot(text: string): EnrTreeRoot {
  const m = ROOT_RE.exec(text.trim());
  if (!m) bad(`not an enrtree root: ${text.slice(0, 80)}`);
  const signature = base64UrlDecode(m[4], 'root signature');
  if (signature.length !== 65) bad(`root signature must be 65 bytes, got ${signature.length}`);
  return {
    enrRoot: m[1],
    linkRoot: m[2],
    seq: Number(m[3]),
    signature,
    signedText: `${ENRTREE.ROOT} e=${m[1]} l=${m[2]} seq=${m[3]}`,
  };
}

/** Whether the root was signed by `publicKey` (33 or 65 bytes). */
export function verifyEnrTreeRoot(root: EnrTreeRoot, publicKey: Uint8Array): boolean {
  try {
    const recovered = recoverPublicKey(keccak256(utf8ToBytes(root.signedText)), root.signature, false);
    const expected = publicKey.length === 33 ? decompressPublicKey(publicKey) : publicKey;
    return equalBytes(recovered, expected);
  } catch {
    return false;
  }
}

export interface BuiltEnrTree {
  url: string;
  root: string;
  /** TXT records by fully qualified name: the root at `domain`, entries at `<hash>.<domain>`. */
  records: Map<string, string>;
}

/**
 * Builds and signs an EIP-1459 tree, the operator's side of DNS discovery: ENRs and links
 * become leaves under branches of at most `MAX_BRANCH_CHILDREN` hashes.
 */
export function buildEnrTree(
  signingKey: PrivateKey,
  domain: string,
  opts: { enrs: ReadonlyArray<string | Enr>; links?: readonly string[]; seq?: number },
): BuiltEnrTree {
  const records = new Map<string, string>();
  const add = (text: string): string => {
    const h = entryHash(text);
    records.set(`${h.toLowerCase()}.${domain}`, text);
    return h;
  };
  const subtree = (leaves: string[]): string => {
    if (leaves.length === 1) return leaves[0];
    if (leaves.length <= MAX_BRANCH_CHILDREN) return add(`${ENRTREE.BRANCH}${leaves.join(',')}`);
    const next: string[] = [];
    for (let i = 0; i < leaves.length; i += MAX_BRANCH_CHILDREN) next.push(subtree(leaves.slice(i, i + MAX_BRANCH_CHILDREN)));
    return subtree(next);
  };
  const enrTexts = opts.enrs.map((e) => (typeof e === 'string' ? decodeEnr(e).text : e.text));
  for (const l of opts.links ?? []) parseEnrTreeUrl(l);
  const e = enrTexts.length === 0 ? add(ENRTREE.BRANCH) : subtree(enrTexts.map(add));
  const linkLeaves = (opts.links ?? []).map(add);
  const l = linkLeaves.length === 0 ? add(ENRTREE.BRANCH) : subtree(linkLeaves);
  const signedText = `${ENRTREE.ROOT} e=${e} l=${l} seq=${opts.seq ?? 1}`;
  const sig = sign(keccak256(utf8ToBytes(signedText)), signingKey);
  const root = `${signedText} sig=${base64UrlEncode(sig)}`;
  records.set(domain, root);
  return { url: formatEnrTreeUrl(getPublicKey(signingKey, true), domain), root, records };
}

export interface ResolveEnrTreeOptions {
  /** Stop after this many records (default 1000). */
  maxEnrs?: number;
  /** Follow links to other trees (default true), at most this deep (default 3). */
  maxLinkDepth?: number;
}

/**
 * Fetches and checks a whole tree: root signature against the URL's key, every entry against
 * its hash name, every ENR's signature. Bad entries are skipped and logged, a bad root throws.
 */
export async function resolveEnrTree(url: string, resolver: DnsResolver, opts: ResolveEnrTreeOptions = {}): Promise<Enr[]> {
  const maxEnrs = opts.maxEnrs ?? 1000;
  const maxDepth = opts.maxLinkDepth ?? 3;
  const out = new Map<string, Enr>();
  const seenTrees = new Set<string>();

  const fetchTxt = async (name: string): Promise<string[]> => {
    let recs: string[][];
    try {
      recs = await resolver.resolveTxt(name);
    } catch (e) {
      throw new OverlayError(OVERLAY_ERROR.DISCOVERY_FAILED, `TXT lookup of ${name} failed: ${(e as Error).message}`);
    }
    return recs.map((chunks) => chunks.join(''));
  };

  const walkTree = async (treeUrl: string, depth: number): Promise<void> => {
    const { publicKey, domain } = parseEnrTreeUrl(treeUrl);
    if (seenTrees.has(domain)) return;
    seenTrees.add(domain);
    const rootText = (await fetchTxt(domain)).find((t) => t.startsWith(ENRTREE.ROOT));
    if (rootText === undefined) bad(`no enrtree root at ${domain}`);
    const root = parseEnrTreeRoot(rootText);
    if (!verifyEnrTreeRoot(root, publicKey)) bad(`root of ${domain} is not signed by ${bytesToHex(publicKey)}`);
    const seen = new Set<string>();
    const links: string[] = [];
    const walk = async (hash: string, inLinks: boolean): Promise<void> => {
      if (out.size >= maxEnrs || seen.has(hash)) return;
      seen.add(hash);
      const texts = await fetchTxt(`${hash.toLowerCase()}.${domain}`);
      const text = texts.find((t) => entryHash(t) === hash);
      if (text === undefined) {
        log('entry %s.%s does not match its hash: skipped', hash, domain);
        return;
      }
      if (text.startsWith(ENRTREE.BRANCH)) {
        const children = text.slice(ENRTREE.BRANCH.length).split(',').filter((h) => h.length > 0);
        for (const h of children) {
          if (!/^[A-Z2-7]{10,}$/.test(h)) {
            log('bad hash %s in branch %s: skipped', h, hash);
            continue;
          }
          await walk(h, inLinks);
        }
      } else if (text.startsWith(ENRTREE.ENR) && !inLinks) {
        try {
          const enr = decodeEnr(text);
          out.set(enr.nodeId, enr);
        } catch (e) {
          log('bad ENR at %s: %s', hash, (e as Error).message);
        }
      } else if (text.startsWith(ENRTREE.LINK) && inLinks) {
        links.push(text);
      } else {
        log('unexpected entry at %s.%s: %s', hash, domain, text.slice(0, 40));
      }
    };
    await walk(root.enrRoot, false);
    if (depth < maxDepth) {
      await walk(root.linkRoot, true);
      for (const l of links) {
        try {
          await walkTree(l, depth + 1);
        } catch (e) {
          log('link %s: %s', l, (e as Error).message);
        }
      }
    }
  };

  await walkTree(url, 0);
  return [...out.values()];
}
