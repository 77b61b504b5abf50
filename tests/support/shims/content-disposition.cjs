// Jest (CommonJS require inside ESM tests) cannot load content-disposition 1.x, which is ESM-only; @fastify/static
// requires it for reply.download(), which nothing here uses. Plain Node loads the real package.
'use strict';
function unavailable() {
  throw new Error('content-disposition is replaced by a shim under Jest (tests/support/shims)');
}
module.exports = { create: unavailable, parse: unavailable };
