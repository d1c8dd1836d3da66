// updraft's Knative adapter for Node.js Lambda handlers (no dependencies).
//
// Serves HTTP on $PORT and calls the handler named by $UPDRAFT_HANDLER ("path/module.export",
// relative to the working directory) with the event Lambda would pass: a plain HTTP request
// as an API Gateway HTTP API (payload 2.0) event, whose return value is mapped back as API
// Gateway does; a CloudEvent from a Knative Trigger as the records Lambda passes for its type
// (<app>.queue.<q> SQS, <app>.topic.<t> SNS, <app>.function.<f> the payload,
// dev.knative.sources.ping a scheduled event, AWS sources the records they carry). A
// CloudEvent is answered 200 when the handler succeeds and 500 when it fails or reports batch
// item failures, so the Broker retries and dead-letters as Lambda would.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const PING_TYPE = 'dev.knative.sources.ping';
const CONTEXT_ATTRIBUTES = new Set(['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time']);

async function loadHandler(spec, root = '.') {
  const dot = spec.lastIndexOf('.');
  const modulePath = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(root, modulePath + ext);
    if (fs.existsSync(file)) {
      const mod = ext === '.mjs' ? await import('file://' + file) : require(file);
      const fn = mod[name] ?? (mod.default && mod.default[name]);
      if (typeof fn !== 'function') throw new Error(`${file} exports no function ${name}`);
      return fn;
    }
  }
  throw new Error(`no module ${modulePath}.js, .mjs or .cjs under ${path.resolve(root)}`);
}

function context(requestId, timeoutS = 300) {
  const deadline = Date.now() + timeoutS * 1000;
  const name = process.env.UPDRAFT_FUNCTION || process.env.K_SERVICE || '';
  return {
    functionName: name,
    functionVersion: process.env.K_REVISION || '$LATEST',
    invokedFunctionArn: name,
    memoryLimitInMB: process.env.UPDRAFT_MEMORY_MB || '128',
    awsRequestId: requestId,
    logGroupName: '',
    logStreamName: '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

// Calls a handler that is async, returns a promise, or takes a callback.
function invoke(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    const callback = (err, result) => (err ? reject(err) : resolve(result));
    try {
      const out = handler(event, ctx, callback);
      if (out && typeof out.then === 'function') out.then(resolve, reject);
      else if (handler.length < 3) resolve(out);
    } catch (err) {
      reject(err);
    }
  });
}

function cloudEvent(headers, body) {
  const lower = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = String(v);
  if ('ce-specversion' in lower) {
    const attrs = {};
    for (const [k, v] of Object.entries(lower)) if (k.startsWith('ce-')) attrs[k.slice(3)] = v;
    if (lower['content-type']) attrs.datacontenttype = lower['content-type'];
    return [attrs, body];
  }
  if ((lower['content-type'] || '').startsWith('application/cloudevents+json')) {
    const doc = JSON.parse(body.length ? body.toString() : '{}');
    let data;
    if ('data_base64' in doc) data = Buffer.from(doc.data_base64, 'base64');
    else if (doc.data === undefined || doc.data === null) data = Buffer.alloc(0);
    else data = Buffer.from(typeof doc.data === 'string' ? doc.data : JSON.stringify(doc.data));
    delete doc.data;
    delete doc.data_base64;
    const attrs = {};
    for (const [k, v] of Object.entries(doc)) attrs[k] = String(v);
    return [attrs, data];
  }
  return null;
}

function jsonOrNull(data) {
  try {
    return JSON.parse(data.length ? data.toString() : 'null');
  } catch {
    return null;
  }
}

function eventFor(attrs, data) {
  const type = attrs.type || '';
  const parts = type.split('.');
  const kind = parts.length >= 3 ? parts[1] : '';
  const now = attrs.time || new Date().toISOString();
  const id = attrs.id || crypto.randomUUID();
  const extensions = Object.keys(attrs).filter((k) => !CONTEXT_ATTRIBUTES.has(k) && !k.startsWith('updraft')).sort();
  // Events of updraft's IntegrationSources say how to present them.
  if (attrs.updraftshape === 's3') return jsonOrNull(data); // an SQS message S3 posted: the notification
  if (attrs.updraftshape === 'dynamodb') {
    const payload = jsonOrNull(data);
    const records = Array.isArray(payload) ? payload : [payload];
    return { Records: records.map((r) => (r && typeof r === 'object' ? { ...r, eventSource: 'aws:dynamodb' } : r)) };
  }
  if (type === PING_TYPE) {
    return {
      version: '0', id, 'detail-type': 'Scheduled Event', source: 'aws.events', account: '',
      time: now, region: '', resources: [attrs.source || ''], detail: {},
    };
  }
  if (kind === 'queue') {
    const ms = String(Date.now());
    const attributes = { ApproximateReceiveCount: '1', SentTimestamp: ms, SenderId: attrs.source || '', ApproximateFirstReceiveTimestamp: ms };
    if (attrs.partitionkey !== undefined) attributes.MessageGroupId = attrs.partitionkey; // a FIFO queue's message group
    return { Records: [{
      messageId: id, receiptHandle: id, body: data.toString(),
      attributes,
      messageAttributes: Object.fromEntries(extensions.map((k) => [k, { stringValue: attrs[k], dataType: 'String' }])),
      md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: type, awsRegion: '',
    }] };
  }
  if (kind === 'topic') {
    return { Records: [{
      EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: type,
      Sns: {
        Type: 'Notification', MessageId: id, TopicArn: type, Subject: attrs.subject ?? null,
        Message: data.toString(), Timestamp: now,
        MessageAttributes: Object.fromEntries(extensions.map((k) => [k, { Type: 'String', Value: attrs[k] }])),
      },
    }] };
  }
  if (kind === 'function') return jsonOrNull(data);
  const payload = jsonOrNull(data);
  if (type.includes('aws-ddb-streams') || type.includes('dynamodb')) {
    const records = Array.isArray(payload) ? payload : [payload];
    return { Records: records.map((r) => (r && typeof r === 'object' ? { ...r, eventSource: 'aws:dynamodb' } : r)) };
  }
  if (payload && typeof payload === 'object' && 'Records' in payload) return payload;
  if (type.includes('aws-sqs')) return eventFor({ ...attrs, type: 'aws.queue.' + (attrs.source || '') }, data);
  return payload;
}

function httpEvent(method, target, headers, body) {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQueryString = q < 0 ? '' : target.slice(q + 1);
  const lower = {};
  const cookies = [];
  for (const [key, value] of Object.entries(headers)) {
    const k = key.toLowerCase();
    const v = Array.isArray(value) ? value.join(',') : String(value);
    if (k === 'cookie') {
      cookies.push(...v.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    lower[k] = k in lower ? lower[k] + ',' + v : v;
  }
  const params = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) params[k] = k in params ? params[k] + ',' + v : v;
  const event = {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString, headers: lower,
    requestContext: {
      accountId: '', apiId: '', domainName: lower.host || '',
      http: {
        method, path: rawPath, protocol: 'HTTP/1.1',
        sourceIp: (lower['x-forwarded-for'] || '').split(',')[0].trim(), userAgent: lower['user-agent'] || '',
      },
      requestId: lower['x-request-id'] || crypto.randomUUID(), routeKey: '$default', stage: '$default',
      time: new Date().toUTCString(), timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length) event.cookies = cookies;
  if (Object.keys(params).length) event.queryStringParameters = params;
  if (body.length) {
    const type = lower['content-type'] || '';
    const text = /^(text\/|application\/json|application\/x-www-form-urlencoded)/.test(type);
    if (text) event.body = body.toString();
    else {
      event.body = body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

function httpResponse(result) {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const headers = Object.entries(result.headers || {}).map(([k, v]) => [k, String(v)]);
    for (const [k, values] of Object.entries(result.multiValueHeaders || {})) for (const v of values) headers.push([k, String(v)]);
    for (const c of result.cookies || []) headers.push(['Set-Cookie', c]);
    const body = result.body ?? '';
    const data = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return [Number(result.statusCode), headers, data];
  }
  if (result === undefined || result === null) return [200, [], Buffer.alloc(0)];
  const text = typeof result === 'string' ? result : JSON.stringify(result);
  return [200, [['Content-Type', 'application/json']], Buffer.from(text)];
}

function eventResponse(result) {
  if (result && typeof result === 'object' && Array.isArray(result.batchItemFailures) && result.batchItemFailures.length) {
    return [500, Buffer.from(JSON.stringify(result))];
  }
  return [200, Buffer.alloc(0)];
}

// One request through the handler: [status, headers, body].
async function handle(handler, method, target, headers, body, timeoutS) {
  const ce = cloudEvent(headers, body);
  const ctx = context((ce && ce[0].id) || crypto.randomUUID(), timeoutS);
  try {
    if (ce) {
      const [status, data] = eventResponse(await invoke(handler, eventFor(...ce), ctx));
      return [status, [], data];
    }
    return httpResponse(await invoke(handler, httpEvent(method, target, headers, body), ctx));
  } catch (err) {
    console.error(err);
    return [500, [['Content-Type', 'application/json']], Buffer.from('{"message":"Internal Server Error"}')];
  }
}

function serve(handler, port, timeoutS) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const [status, headers, data] = await handle(handler, req.method, req.url, req.headers, Buffer.concat(chunks), timeoutS);
      const out = {};
      for (const [k, v] of headers) out[k] = k in out ? [].concat(out[k], v) : v;
      out['Content-Length'] = data.length;
      res.writeHead(status, out);
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });
  server.listen(port);
  return server;
}

module.exports = { loadHandler, cloudEvent, eventFor, httpEvent, httpResponse, eventResponse, handle, serve };

if (require.main === module) {
  loadHandler(process.env.UPDRAFT_HANDLER).then(
    (handler) => serve(handler, Number(process.env.PORT || 8080), Number(process.env.UPDRAFT_TIMEOUT_SECONDS || 300)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
