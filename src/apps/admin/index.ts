export { adminGuard, credentialsMatch, parseBasicAuth } from './auth.js';
export {
  DEFAULT_GROUP_THRESHOLD,
  formatCounts,
  type GapGroup,
  type GapLike,
  type GapReport,
  type GapVariant,
  gapTokens,
  groupGaps,
  questionSimilarity,
} from './gap-groups.js';
export { type AdminOptions, adminRouter, queueSummary } from './routes.js';
