import { ChannelCredentials, credentials, Metadata, type CallOptions, type ChannelOptions } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { AdminServiceClient } from './gen/equiscale/v1/admin.js';
import { WorkerServiceClient } from './gen/equiscale/v1/worker.js';
import { HealthClient } from './gen/grpc/health/v1/health.js';
import { AUTH_METADATA_KEY, bearer } from './auth.js';

import { MAX_MESSAGE_BYTES } from './limits.js';

export interface ConnectOptions {
  /** Shared token sent on every call (EQUISCALE_TOKEN). */
  token?: string;
  /** PEM file of the CA that signed the coordinator's certificate; enables TLS. */
  tlsCaFile?: string;
  /** Name the certificate was issued for, when it differs from the address host (tests: "localhost"). */
  tlsServerName?: string;
}

export function channelCredentials(opts: ConnectOptions): ChannelCredentials {
  return opts.tlsCaFile ? credentials.createSsl(readFileSync(opts.tlsCaFile)) : credentials.createInsecure();
}

export function channelOptions(opts: ConnectOptions): ChannelOptions {
  const o: ChannelOptions = {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  };
  if (opts.tlsServerName) o['grpc.ssl_target_name_override'] = opts.tlsServerName;
  return o;
}

/** Metadata for every call: the bearer token when one is configured. */
export function callMetadata(opts: ConnectOptions): Metadata {
  const md = new Metadata();
  if (opts.token) md.set(AUTH_METADATA_KEY, bearer(opts.token));
  return md;
}

export function makeWorkerClient(address: string, opts: ConnectOptions = {}): WorkerServiceClient {
  return new WorkerServiceClient(address, channelCredentials(opts), channelOptions(opts));
}

export function makeAdminClient(address: string, opts: ConnectOptions = {}): AdminServiceClient {
  return new AdminServiceClient(address, channelCredentials(opts), channelOptions(opts));
}

/** A client of the standard health service (grpc.health.v1.Health); it needs no token. */
export function makeHealthClient(address: string, opts: ConnectOptions = {}): HealthClient {
  return new HealthClient(address, channelCredentials(opts), channelOptions(opts));
}

type UnaryMethod<Req, Res> = (
  req: Req,
  md: Metadata,
  options: Partial<CallOptions>,
  cb: (err: import('@grpc/grpc-js').ServiceError | null, res: Res) => void,
) => unknown;

/** Promise form of a unary call with metadata and a deadline. */
export function unary<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  req: Req,
  md: Metadata,
  timeoutMs = 30_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, md, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}
