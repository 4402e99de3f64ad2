/**
 * The gRPC contract of equiscale: generated message and service types (from proto/equiscale/v1, never edited
 * by hand), plus the small pieces both sides must agree on: how the shared token travels, how clients are
 * made, and how failures are expressed as gRPC status codes.
 */
export * from './gen/equiscale/v1/trial.js';
export * from './gen/equiscale/v1/worker.js';
export * from './gen/equiscale/v1/admin.js';
export * from './auth.js';
export * from './clients.js';
export * from './errors.js';
export * from './gen/grpc/health/v1/health.js';
export * from './limits.js';
export * from './shapes.js';
