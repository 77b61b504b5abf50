export { simulatorRouter } from './routes.js';
