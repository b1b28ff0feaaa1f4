import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/**
 * Where outbound webhooks may go (SSRF guard). A URL an admin typed must not reach the hub's own network:
 * loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and the
 * other special-purpose ranges are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set. The host name is
 * resolved and every address checked, and the connection is made to the address that was checked (see
 * webhook-send.ts), so a name that resolves differently a moment later (DNS rebinding) cannot slip through.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address (::ffff:a.b.c.d, 64:ff9b::a.b.c.d), if any. */
function embeddedV4(addr: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(addr);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether an IP address is loopback, private or otherwise not on the public internet. */
export function isPrivateAddress(addr: string): boolean {
  const family = isIP(addr);
  if (family === 4) return blocked.check(addr, 'ipv4');
  if (family === 6) {
    const v4 = embeddedV4(addr.toLowerCase());
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(addr, 'ipv6');
  }
  return true; // not an address at all: never connect to it
}

export class WebhookTargetError extends Error {}

/** The URL parsed and checked on its own: http(s), no credentials in it. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetError('only http and https URLs can receive webhooks');
  if (url.username || url.password) throw new WebhookTargetError('put no user name or password in the URL; the signature authenticates the hub');
  return url;
}

/**
 * The addresses a host resolves to, all of them checked. Throws WebhookTargetError when any is private and
 * private targets are not allowed (a name with one public and one private address is refused as a whole).
 */
export async function resolveWebhookHost(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }[]> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (err) {
      throw new WebhookTargetError(`${host} cannot be resolved (${(err as { code?: string }).code ?? 'DNS error'})`);
    }
  }
  if (!addresses.length) throw new WebhookTargetError(`${host} has no address`);
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad && !allowPrivate) {
    throw new WebhookTargetError(`${host} is ${bad.address}, a loopback or private address; webhooks go only to public addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS allows others)`);
  }
  return addresses;
}

/** Checks a URL an admin subscribes: its form and where its host resolves to now. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseWebhookUrl(raw);
  await resolveWebhookHost(url.hostname, allowPrivate);
  return url;
}
