/**
 * The protocol's size limits, defined once: the coordinator refuses anything beyond them (INVALID_ARGUMENT naming
 * the field), and the worker sizes what it sends to fit.
 */

/** Largest message either side accepts (checkpoints of large models travel in one message). */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** Metric points per ReportMetrics call. */
export const MAX_METRIC_POINTS_PER_BATCH = 10_000;
/** Characters of a free-text field (error messages, reasons). */
export const MAX_TEXT_CHARS = 8_000;
/** Bytes of a sweep spec's text (CreateSweep). */
export const MAX_SPEC_BYTES = 1024 * 1024;
