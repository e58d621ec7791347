/** The netlink stack: codec, client, generic netlink, rtnetlink links, uevents. */
export * from './attributes.js';
export * from './bytes.js';
export * from './client.js';
export * from './constants.js';
export * from './errno.js';
export * from './extack.js';
export * from './genl.js';
export * from './message.js';
export * from './open.js';
export * from './policy.js';
export * from './result.js';
export * from './rtnl.js';
export * from './rtnl-link.js';
export * from './uevent.js';
export * from './writer.js';
