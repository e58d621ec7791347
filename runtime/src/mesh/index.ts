/** batman-adv over generic netlink: one file per concern, like batctl's commands. */
export * from './algos.js';
export * from './batadv.js';
export * from './constants.js';
export * from './events.js';
export * from './format.js';
export * from './gateways.js';
export * from './hardifs.js';
export * from './mesh-info.js';
export * from './neighbors.js';
export * from './originators.js';
export * from './policy.js';
export * from './snapshot.js';
export * from './transtable.js';
export * from './tunables.js';
