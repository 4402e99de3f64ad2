import { Metadata } from '@grpc/grpc-js';

/** Metadata key that carries the shared token: `authorization: Bearer <EQUISCALE_TOKEN>`. */
export const AUTH_METADATA_KEY = 'authorization';

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Extracts the bearer token of a call's metadata, or undefined. */
export function tokenFromMetadata(md: Metadata): string | undefined {
  const v = md.get(AUTH_METADATA_KEY)[0];
  if (typeof v !== 'string') return undefined;
  const m = /^Bearer (.+)$/.exec(v);
  return m ? m[1] : undefined;
}
