// Structured logs: one implementation for every process, in @equiscale/log.
export * from '@equiscale/log';
