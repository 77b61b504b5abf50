export * from './types.js';
export { EmbeddedQueueBackend } from './embedded.js';
export { BullQueueBackend } from './bullmq.js';
