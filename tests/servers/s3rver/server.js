'use strict';
// The light S3 server of silt's tests: s3rver, plus the two things a Delta commit relies on that
// s3rver lacks on its own.
// - Conditional writes: a PUT (or a CompleteMultipartUpload) with `If-None-Match: *` on a key that
//   exists answers 412 PreconditionFailed, as AWS S3 does.
// - Whole-object atomicity: requests on one key run one at a time, and a GET's body is read in full
//   before the next request on that key starts, so a reader never sees half of a replaced object.
//
//   node --openssl-legacy-provider server.js --dir DIR [--port 0] [--buckets a,b] [--ignore-conditions]
//
// --ignore-conditions leaves conditional writes out (as s3rver and some S3-compatible stores do):
// the store silt must refuse to commit on.
//
// Prints "listening http://127.0.0.1:PORT" once it serves; stops on SIGTERM.
const path = require('path');
const S3rver = require('s3rver');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const directory = option('dir');
if (!directory) {
  console.error('server.js: --dir DIR is required');
  process.exit(2);
}
const port = Number(option('port', '0'));
const ignoreConditions = process.argv.includes('--ignore-conditions');
const buckets = option('buckets', '')
  .split(',')
  .filter((name) => name.length > 0)
  .map((name) => ({ name }));

const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory: path.resolve(directory),
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets,
});

// One queue per "bucket/key": each request waits for the one before it on the same key.
const tails = new Map();
async function exclusive(key, work) {
  const before = tails.get(key) || Promise.resolve();
  let release;
  const mine = new Promise((resolve) => (release = resolve));
  const tail = before.then(() => mine);
  tails.set(key, tail);
  await before;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function preconditionFailed(ctx, bucket, key) {
  ctx.status = 412;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
    '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
    `<Condition>If-None-Match</Condition><BucketName>${bucket}</BucketName><Key>${key}</Key></Error>`;
}

async function objectGuard(ctx, next) {
  // Path-style addressing only: /bucket/key...
  const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  if (!match) return next();
  const bucket = match[1];
  const key = match[2];
  return exclusive(`${bucket}/${key}`, async () => {
    const conditional = ctx.get('if-none-match') === '*';
    const isPut = ctx.method === 'PUT' && !('partNumber' in ctx.query);
    const isComplete = ctx.method === 'POST' && 'uploadId' in ctx.query;
    if (!ignoreConditions && conditional && (isPut || isComplete) && (await ctx.app.store.existsObject(bucket, key))) {
      preconditionFailed(ctx, bucket, key);
      return;
    }
    await next();
    if (ctx.body && typeof ctx.body.pipe === 'function') ctx.body = await readAll(ctx.body);
  });
}

// s3rver's router is its last middleware: the guard goes just before it.
server.middleware.splice(server.middleware.length - 1, 0, objectGuard);

server.run().then(
  (address) => {
    console.log(`listening http://127.0.0.1:${address.port}`);
  },
  (error) => {
    console.error(`server.js: cannot start: ${error.message}`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
