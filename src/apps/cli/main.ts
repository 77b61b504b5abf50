import { runCli } from './program.js';

// Entry point of bin/baraza.mjs. Exit explicitly: watchers, timers or sockets of a command never hold it open.
const code = await runCli(process.argv);
process.exit(code);
