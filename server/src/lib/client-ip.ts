import type { Config } from '../config.js';

/**
 * The client-IP policy: req.ip (rate limits, audit log, session records) is the TCP peer, unless
 * that peer is one of the proxies listed in TRUST_PROXY; only then is X-Forwarded-For believed, and
 * only up to the first address that is not a listed proxy. With the default (no list) a client
 * cannot choose its own IP by sending the header.
 */
export function trustProxyOption(config: Pick<Config, 'trustProxy'>): false | string[] {
  return config.trustProxy.length ? config.trustProxy : false;
}
