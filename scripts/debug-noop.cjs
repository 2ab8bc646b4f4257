'use strict';
// Stands in for the `debug` package inside the preload bundle. require-in-the-middle uses `debug`
// only for its own tracing; loading the real one (and through it tty and net) costs about 4 ms of
// every program's start-up.
module.exports = function createDebug() {
  const log = () => {};
  log.enabled = false;
  return log;
};
