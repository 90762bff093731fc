/**
 * The memory the fuzz worker shares with its watchdog: 32-bit words (executions so far, the current
 * input's length), then from HEADER_BYTES on a copy of the input being executed.
 */
export const HEARTBEAT = { executions: 0, inputLength: 1 } as const;
export const HEADER_BYTES = 16;

/** The largest seed; a mutation adds at most 8 bytes to it (the input copy is sized from this). */
export const MAX_SEED_BYTES = 4 << 20;
