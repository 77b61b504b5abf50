export { BullQueueBackend } from './bullmq.js';
export { EmbeddedQueueBackend } from './embedded.js';
export * from './types.js';
