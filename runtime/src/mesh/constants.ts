/**
 * batman-adv generic netlink numbers (include/uapi/linux/batman_adv.h; stable from
 * batman-adv 2019.2 to today, so the values of Linux 6.1 / batman-adv 2022.3 hold).
 */

export const BATADV_NL_NAME = 'batadv';
export const BATADV_NL_MCAST_GROUP_CONFIG = 'config';
export const BATADV_NL_MCAST_GROUP_TPMETER = 'tpmeter';
/** genlmsghdr.version batctl and the kernel use. */
export const BATADV_GENL_VERSION = 1;

/** enum batadv_nl_commands */
export const BATADV_CMD = {
  GET_MESH: 1,
  TP_METER: 2,
  TP_METER_CANCEL: 3,
  GET_ROUTING_ALGOS: 4,
  GET_HARDIF: 5,
  GET_TRANSTABLE_LOCAL: 6,
  GET_TRANSTABLE_GLOBAL: 7,
  GET_ORIGINATORS: 8,
  GET_NEIGHBORS: 9,
  GET_GATEWAYS: 10,
  GET_BLA_CLAIM: 11,
  GET_BLA_BACKBONE: 12,
  GET_DAT_CACHE: 13,
  GET_MCAST_FLAGS: 14,
  SET_MESH: 15,
  SET_HARDIF: 16,
  GET_VLAN: 17,
  SET_VLAN: 18,
} as const;

/** enum batadv_nl_attrs */
export const BATADV_ATTR = {
  VERSION: 1,
  ALGO_NAME: 2,
  MESH_IFINDEX: 3,
  MESH_IFNAME: 4,
  MESH_ADDRESS: 5,
  HARD_IFINDEX: 6,
  HARD_IFNAME: 7,
  HARD_ADDRESS: 8,
  ORIG_ADDRESS: 9,
  TPMETER_RESULT: 10,
  TPMETER_TEST_TIME: 11,
  TPMETER_BYTES: 12,
  TPMETER_COOKIE: 13,
  PAD: 14,
  ACTIVE: 15,
  TT_ADDRESS: 16,
  TT_TTVN: 17,
  TT_LAST_TTVN: 18,
  TT_CRC32: 19,
  TT_VID: 20,
  TT_FLAGS: 21,
  FLAG_BEST: 22,
  LAST_SEEN_MSECS: 23,
  NEIGH_ADDRESS: 24,
  TQ: 25,
  THROUGHPUT: 26,
  BANDWIDTH_UP: 27,
  BANDWIDTH_DOWN: 28,
  ROUTER: 29,
  BLA_OWN: 30,
  BLA_ADDRESS: 31,
  BLA_VID: 32,
  BLA_BACKBONE: 33,
  BLA_CRC: 34,
  DAT_CACHE_IP4ADDRESS: 35,
  DAT_CACHE_HWADDRESS: 36,
  DAT_CACHE_VID: 37,
  MCAST_FLAGS: 38,
  MCAST_FLAGS_PRIV: 39,
  VLANID: 40,
  AGGREGATED_OGMS_ENABLED: 41,
  AP_ISOLATION_ENABLED: 42,
  ISOLATION_MARK: 43,
  ISOLATION_MASK: 44,
  BONDING_ENABLED: 45,
  BRIDGE_LOOP_AVOIDANCE_ENABLED: 46,
  DISTRIBUTED_ARP_TABLE_ENABLED: 47,
  FRAGMENTATION_ENABLED: 48,
  GW_BANDWIDTH_DOWN: 49,
  GW_BANDWIDTH_UP: 50,
  GW_MODE: 51,
  GW_SEL_CLASS: 52,
  HOP_PENALTY: 53,
  LOG_LEVEL: 54,
  MULTICAST_FORCEFLOOD_ENABLED: 55,
  NETWORK_CODING_ENABLED: 56,
  ORIG_INTERVAL: 57,
  ELP_INTERVAL: 58,
  THROUGHPUT_OVERRIDE: 59,
  MULTICAST_FANOUT: 60,
} as const;

/** BATADV_ATTR_MAX of the 2022.3 header (Gluon's patched kernels add attributes above it). */
export const BATADV_ATTR_MAX = 60;

/** enum batadv_gw_modes */
export const GW_MODES = ['off', 'client', 'server'] as const;
export type GatewayMode = (typeof GW_MODES)[number];

/** enum batadv_tt_client_flags */
export const TT_CLIENT = {
  DEL: 1 << 0,
  ROAM: 1 << 1,
  WIFI: 1 << 4,
  ISOLA: 1 << 5,
  NOPURGE: 1 << 8,
  NEW: 1 << 9,
  PENDING: 1 << 10,
  TEMP: 1 << 11,
} as const;

/** A TT VID with this bit carries a VLAN id; without it the entry is untagged. */
export const BATADV_VLAN_HAS_TAG = 1 << 15;

/** BATADV_JITTER: ELP intervals at or below it underflow in batman-adv < 2026.2 (a "day long" delay). */
export const BATADV_JITTER_MS = 20;
/** Our floor for elp_interval: well above the underflow, and ELP stays cheap. */
export const ELP_INTERVAL_MIN_MS = 100;
/** The kernel clamps orig_interval to at least 2 * BATADV_JITTER. */
export const ORIG_INTERVAL_MIN_MS = 2 * BATADV_JITTER_MS;
/** Throughput, bandwidth and gw_sel_class (BATMAN_V) attributes count in 100 kbit/s. */
export const KBIT_PER_UNIT = 100;
