// Tests of the Node.js adapter: each event shape in, what the handler receives and what the
// caller gets back. Run: node --test targets/knative/adapter/
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const adapter = require('./updraft-adapter.js');

function recorder(result, error) {
  const h = async (event, context) => {
    h.events.push(event);
    h.contexts.push(context);
    if (error) throw error;
    return result;
  };
  h.events = [];
  h.contexts = [];
  return h;
}

function binary(type, data, extra = {}) {
  const headers = { 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/src', 'ce-type': type, 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(extra)) headers['ce-' + k] = v;
  return [headers, Buffer.from(data)];
}

test('a request is an HTTP API v2 event and the result maps back', async () => {
  const h = recorder({ statusCode: 201, headers: { 'x-a': '1' }, cookies: ['s=1'], body: 'made' });
  const [status, headers, body] = await adapter.handle(h, 'POST', '/items?tag=a&tag=b', { 'content-type': 'application/json', cookie: 'a=1; b=2' }, Buffer.from('{"name":"x"}'));
  const e = h.events[0];
  assert.equal(e.version, '2.0');
  assert.equal(e.rawPath, '/items');
  assert.deepEqual(e.queryStringParameters, { tag: 'a,b' });
  assert.deepEqual(e.cookies, ['a=1', 'b=2']);
  assert.equal(e.requestContext.http.method, 'POST');
  assert.deepEqual(JSON.parse(e.body), { name: 'x' });
  assert.equal(status, 201);
  assert.deepEqual(headers, [['x-a', '1'], ['Set-Cookie', 's=1']]);
  assert.equal(body.toString(), 'made');
});

test('binary bodies are base64 both ways; plain results are JSON; failures are 500', async () => {
  const h = recorder({ statusCode: 200, isBase64Encoded: true, body: Buffer.from([0, 255]).toString('base64') });
  const [, , body] = await adapter.handle(h, 'PUT', '/blob', { 'content-type': 'image/png' }, Buffer.from([0x89, 0x50]));
  assert.equal(h.events[0].isBase64Encoded, true);
  assert.deepEqual(Buffer.from(h.events[0].body, 'base64'), Buffer.from([0x89, 0x50]));
  assert.deepEqual(body, Buffer.from([0, 255]));
  const [s2, , b2] = await adapter.handle(recorder({ ok: true }), 'GET', '/', {}, Buffer.alloc(0));
  assert.deepEqual([s2, JSON.parse(b2)], [200, { ok: true }]);
  const [s3] = await adapter.handle(recorder(undefined, new Error('boom')), 'GET', '/', {}, Buffer.alloc(0));
  assert.equal(s3, 500);
});

test('callback-style handlers and the Lambda context', async () => {
  let seen;
  const h = (event, context, callback) => {
    seen = context;
    setImmediate(() => callback(null, { statusCode: 204 }));
  };
  const [status] = await adapter.handle(h, 'GET', '/', {}, Buffer.alloc(0), 30);
  assert.equal(status, 204);
  assert.ok(seen.awsRequestId);
  assert.ok(seen.getRemainingTimeInMillis() <= 30000 && seen.getRemainingTimeInMillis() > 0);
});

test('queue, topic, invocation and schedule CloudEvents', async () => {
  const h = recorder();
  await adapter.handle(h, 'POST', '/', ...binary('shop.queue.orders', '{"id":7}', { priority: 'high' }));
  const doc = { specversion: '1.0', id: 'e-2', source: '/s', type: 'shop.topic.shipments', carrier: 'dhl', data: { parcel: 1 } };
  await adapter.handle(h, 'POST', '/', { 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(doc)));
  await adapter.handle(h, 'POST', '/', ...binary('shop.function.notify', '{"to":"a@b"}'));
  await adapter.handle(h, 'POST', '/', ...binary('dev.knative.sources.ping', ''));
  const sqs = h.events[0].Records[0];
  assert.equal(sqs.eventSource, 'aws:sqs');
  assert.equal(sqs.messageId, 'e-1');
  assert.deepEqual(JSON.parse(sqs.body), { id: 7 });
  assert.deepEqual(sqs.messageAttributes.priority, { stringValue: 'high', dataType: 'String' });
  const fifo = recorder();
  await adapter.handle(fifo, 'POST', '/', ...binary('shop.queue.commands', '{}', { partitionkey: 'device-7' }));
  assert.equal(fifo.events[0].Records[0].attributes.MessageGroupId, 'device-7');
  const sns = h.events[1].Records[0].Sns;
  assert.deepEqual(JSON.parse(sns.Message), { parcel: 1 });
  assert.deepEqual(sns.MessageAttributes.carrier, { Type: 'String', Value: 'dhl' });
  assert.deepEqual(h.events[2], { to: 'a@b' });
  assert.equal(h.events[3]['detail-type'], 'Scheduled Event');
});

test('AWS sources pass the records they carry', async () => {
  const h = recorder();
  const s3 = { Records: [{ eventSource: 'aws:s3', s3: { object: { key: 'uploads/a.jpg' } } }] };
  await adapter.handle(h, 'POST', '/', ...binary('dev.knative.eventing.aws-sqs', JSON.stringify(s3), { updraftshape: 's3', updraftsource: 'fbucketb' }));
  await adapter.handle(h, 'POST', '/', ...binary('any.type', '{"eventName":"REMOVE"}', { updraftshape: 'dynamodb' }));
  assert.deepEqual(h.events[0], s3);
  assert.equal(h.events[1].Records[0].eventName, 'REMOVE');
  assert.equal(h.events[1].Records[0].eventSource, 'aws:dynamodb');
});

test('failures and batch item failures make the Broker retry', async () => {
  const [s1] = await adapter.handle(recorder(undefined, new Error('x')), 'POST', '/', ...binary('a.queue.q', '1'));
  const [s2] = await adapter.handle(recorder({ batchItemFailures: [{ itemIdentifier: 'e-1' }] }), 'POST', '/', ...binary('a.queue.q', '1'));
  const [s3, , b3] = await adapter.handle(recorder({ batchItemFailures: [] }), 'POST', '/', ...binary('a.queue.q', '1'));
  assert.deepEqual([s1, s2, s3, b3.length], [500, 500, 200, 0]);
});

test('the handler is loaded by its Lambda name and served over HTTP', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'updraft-adapter-'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'photos.js'), "exports.get = async (event) => ({ statusCode: 200, body: event.rawPath });\n");
  const handler = await adapter.loadHandler('src/photos.get', root);
  const server = adapter.serve(handler, 0, 10);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/p/1`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '/p/1');
  } finally {
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
