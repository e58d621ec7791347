/**
 * The SPIRE server API messages a minimal agent uses, as protobuf schemas for our codec.
 * Field names and numbers follow spire-api-sdk (proto/spire/api/types/*.proto and
 * proto/spire/api/server/{agent,svid,entry,bundle}/v1/*.proto); only the fields we read
 * or write are listed (the decoder skips the others). gRPC method paths are at the end.
 */
import { message, type MessageSchema } from '../protobuf/index.js';

export type SpiffeIdMsg = {
  trustDomain: string;
  path: string;
};
export const SpiffeIdSchema: MessageSchema<SpiffeIdMsg> = message('spire.api.types.SPIFFEID', [
  { name: 'trustDomain', no: 1, type: 'string' },
  { name: 'path', no: 2, type: 'string' },
]);

export type X509SvidMsg = {
  certChain: Uint8Array[];
  id?: SpiffeIdMsg;
  /** Seconds since the epoch. */
  expiresAt: bigint;
};
export const X509SvidSchema: MessageSchema<X509SvidMsg> = message('spire.api.types.X509SVID', [
  { name: 'certChain', no: 1, type: 'bytes', repeated: true },
  { name: 'id', no: 2, type: 'message', message: () => SpiffeIdSchema },
  { name: 'expiresAt', no: 3, type: 'int64' },
]);

export type AttestationDataMsg = {
  type: string;
  payload: Uint8Array;
};
const AttestationDataSchema: MessageSchema<AttestationDataMsg> = message('spire.api.types.AttestationData', [
  { name: 'type', no: 1, type: 'string' },
  { name: 'payload', no: 2, type: 'bytes' },
]);

export type AgentX509SvidParamsMsg = {
  csr: Uint8Array;
};
const AgentX509SvidParamsSchema: MessageSchema<AgentX509SvidParamsMsg> = message('spire.api.server.agent.v1.AgentX509SVIDParams', [
  { name: 'csr', no: 1, type: 'bytes' },
]);

/** AttestAgentRequest: oneof step { Params params = 1; bytes challenge_response = 2; } */
export type AttestAgentRequestMsg = {
  params?: { data: AttestationDataMsg; params: AgentX509SvidParamsMsg };
  challengeResponse?: Uint8Array;
};
export const AttestAgentRequestSchema: MessageSchema<AttestAgentRequestMsg> = message('spire.api.server.agent.v1.AttestAgentRequest', [
  {
    name: 'params',
    no: 1,
    type: 'message',
    message: () =>
      message('spire.api.server.agent.v1.AttestAgentRequest.Params', [
        { name: 'data', no: 1, type: 'message', message: () => AttestationDataSchema },
        { name: 'params', no: 2, type: 'message', message: () => AgentX509SvidParamsSchema },
      ]),
  },
  { name: 'challengeResponse', no: 2, type: 'bytes', optional: true },
]);

/** AttestAgentResponse: oneof step { Result result = 1; bytes challenge = 2; } */
export type AttestAgentResponseMsg = {
  result?: { svid?: X509SvidMsg; reattestable: boolean };
  challenge?: Uint8Array;
};
export const AttestAgentResponseSchema: MessageSchema<AttestAgentResponseMsg> = message('spire.api.server.agent.v1.AttestAgentResponse', [
  {
    name: 'result',
    no: 1,
    type: 'message',
    message: () =>
      message('spire.api.server.agent.v1.AttestAgentResponse.Result', [
        { name: 'svid', no: 1, type: 'message', message: () => X509SvidSchema },
        { name: 'reattestable', no: 2, type: 'bool' },
      ]),
  },
  { name: 'challenge', no: 2, type: 'bytes', optional: true },
]);

export type RenewAgentRequestMsg = {
  params: AgentX509SvidParamsMsg;
};
export const RenewAgentRequestSchema: MessageSchema<RenewAgentRequestMsg> = message('spire.api.server.agent.v1.RenewAgentRequest', [
  { name: 'params', no: 1, type: 'message', message: () => AgentX509SvidParamsSchema },
]);

export type RenewAgentResponseMsg = {
  svid?: X509SvidMsg;
};
export const RenewAgentResponseSchema: MessageSchema<RenewAgentResponseMsg> = message('spire.api.server.agent.v1.RenewAgentResponse', [
  { name: 'svid', no: 1, type: 'message', message: () => X509SvidSchema },
]);

export type X509CertificateMsg = {
  asn1: Uint8Array;
  tainted: boolean;
};
export type BundleMsg = {
  trustDomain: string;
  x509Authorities: X509CertificateMsg[];
  refreshHint: bigint;
  sequenceNumber: bigint;
};
export const BundleSchema: MessageSchema<BundleMsg> = message('spire.api.types.Bundle', [
  { name: 'trustDomain', no: 1, type: 'string' },
  {
    name: 'x509Authorities',
    no: 2,
    type: 'message',
    repeated: true,
    message: () =>
      message('spire.api.types.X509Certificate', [
        { name: 'asn1', no: 1, type: 'bytes' },
        { name: 'tainted', no: 2, type: 'bool' },
      ]),
  },
  { name: 'refreshHint', no: 4, type: 'int64' },
  { name: 'sequenceNumber', no: 5, type: 'uint64' },
]);

/** GetBundleRequest { BundleMask output_mask = 1; }: no mask means every field. */
export const GetBundleRequestSchema: MessageSchema<Record<string, never>> = message('spire.api.server.bundle.v1.GetBundleRequest', []);

export type SelectorMsg = {
  type: string;
  value: string;
};
export type EntryMsg = {
  id: string;
  spiffeId?: SpiffeIdMsg;
  parentId?: SpiffeIdMsg;
  selectors: SelectorMsg[];
  x509SvidTtl: number;
  revisionNumber: bigint;
};
const EntrySchema: MessageSchema<EntryMsg> = message('spire.api.types.Entry', [
  { name: 'id', no: 1, type: 'string' },
  { name: 'spiffeId', no: 2, type: 'message', message: () => SpiffeIdSchema },
  { name: 'parentId', no: 3, type: 'message', message: () => SpiffeIdSchema },
  {
    name: 'selectors',
    no: 4,
    type: 'message',
    repeated: true,
    message: () =>
      message('spire.api.types.Selector', [
        { name: 'type', no: 1, type: 'string' },
        { name: 'value', no: 2, type: 'string' },
      ]),
  },
  { name: 'x509SvidTtl', no: 5, type: 'int32' },
  { name: 'revisionNumber', no: 11, type: 'int64' },
]);

/** GetAuthorizedEntriesRequest { EntryMask output_mask = 1; }: no mask means every field. */
export const GetAuthorizedEntriesRequestSchema: MessageSchema<Record<string, never>> = message('spire.api.server.entry.v1.GetAuthorizedEntriesRequest', []);

export type GetAuthorizedEntriesResponseMsg = {
  entries: EntryMsg[];
};
export const GetAuthorizedEntriesResponseSchema: MessageSchema<GetAuthorizedEntriesResponseMsg> = message(
  'spire.api.server.entry.v1.GetAuthorizedEntriesResponse',
  [{ name: 'entries', no: 1, type: 'message', repeated: true, message: () => EntrySchema }],
);

export type NewX509SvidParamsMsg = {
  entryId: string;
  csr: Uint8Array;
};
export type BatchNewX509SvidRequestMsg = {
  params: NewX509SvidParamsMsg[];
};
export const BatchNewX509SvidRequestSchema: MessageSchema<BatchNewX509SvidRequestMsg> = message('spire.api.server.svid.v1.BatchNewX509SVIDRequest', [
  {
    name: 'params',
    no: 1,
    type: 'message',
    repeated: true,
    message: () =>
      message('spire.api.server.svid.v1.NewX509SVIDParams', [
        { name: 'entryId', no: 1, type: 'string' },
        { name: 'csr', no: 2, type: 'bytes' },
      ]),
  },
]);

export type StatusMsg = {
  code: number;
  message: string;
};
export type BatchNewX509SvidResponseMsg = {
  results: { status?: StatusMsg; svid?: X509SvidMsg }[];
};
export const BatchNewX509SvidResponseSchema: MessageSchema<BatchNewX509SvidResponseMsg> = message('spire.api.server.svid.v1.BatchNewX509SVIDResponse', [
  {
    name: 'results',
    no: 1,
    type: 'message',
    repeated: true,
    message: () =>
      message('spire.api.server.svid.v1.BatchNewX509SVIDResponse.Result', [
        {
          name: 'status',
          no: 1,
          type: 'message',
          message: () =>
            message('spire.api.types.Status', [
              { name: 'code', no: 1, type: 'int32' },
              { name: 'message', no: 2, type: 'string' },
            ]),
        },
        { name: 'svid', no: 2, type: 'message', message: () => X509SvidSchema },
      ]),
  },
]);
