/**
 * Node 21+ has a global `navigator`; Node 20 does not. Without it, pg checks
 * whether it runs in a Cloudflare Worker by constructing a fetch `Response`,
 * which loads Node's whole fetch implementation — about 20 ms of every
 * command's start-up. The CLI (never the library) defines what Node 21+
 * defines, before anything else is loaded.
 */
if (!('navigator' in globalThis)) {
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({ userAgent: `Node.js/${process.versions.node.split('.')[0]}` }),
    configurable: true,
    writable: true,
    enumerable: false,
  });
}
