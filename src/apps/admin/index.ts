export { adminRouter } from './routes.js';
