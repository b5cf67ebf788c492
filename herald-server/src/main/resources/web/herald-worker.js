/*!
 * herald-worker.js: the SharedWorker that runs the one connection the tabs of an origin share
 * (herald.js with share on; docs/architecture.md, "herald.js: one connection per browser").
 * herald.js starts it; it is not meant to be loaded by a page.
 */
importScripts('herald.js');
Herald._serveSharedWorker(self);
