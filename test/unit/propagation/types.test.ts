import { strict as assert } from 'node:assert';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { TextMapGetter as ApiGetter, TextMapSetter as ApiSetter } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '../../../src/context/context';
import {
  caseInsensitiveHeaderGetter,
  createBaggage,
  createPropagator,
  defaultTextMapGetter,
  defaultTextMapSetter,
  getBaggage,
  setBaggage,
} from '../../../src/propagation/index';
import { remote, SPAN_ID, TRACE_ID, TRACEPARENT, withSpan } from './helpers';

describe('defaultTextMapGetter', () => {
  it('reads a key exactly as given, strings and arrays only', () => {
    const carrier = { traceparent: 'a', list: ['x', 'y'], num: 5, TraceState: 'b' };
    assert.equal(defaultTextMapGetter.get(carrier, 'traceparent'), 'a');
    assert.deepEqual(defaultTextMapGetter.get(carrier, 'list'), ['x', 'y']);
    assert.equal(defaultTextMapGetter.get(carrier, 'num'), undefined);
    assert.equal(defaultTextMapGetter.get(carrier, 'tracestate'), undefined, 'no case-insensitive search');
    assert.deepEqual(defaultTextMapGetter.keys(carrier), ['traceparent', 'list', 'num', 'TraceState']);
  });

  it('holds nothing for carriers that are not objects', () => {
    for (const carrier of [null, undefined, 1, 'traceparent', true]) {
      assert.equal(defaultTextMapGetter.get(carrier as never, 'traceparent'), undefined);
      assert.deepEqual(defaultTextMapGetter.keys(carrier as never), []);
    }
  });

  it('caseInsensitiveHeaderGetter finds a key in any case, the exact spelling first', () => {
    assert.equal(caseInsensitiveHeaderGetter.get({ TraceParent: 'a' }, 'traceparent'), 'a');
    assert.equal(caseInsensitiveHeaderGetter.get({ TRACEPARENT: 'b', traceparent: 'a' }, 'traceparent'), 'a');
    assert.equal(caseInsensitiveHeaderGetter.get({ TraceParentX: 'a' }, 'traceparent'), undefined);
    assert.equal(caseInsensitiveHeaderGetter.get(null as never, 'traceparent'), undefined);
  });

  it('are TextMapGetter and TextMapSetter of @opentelemetry/api', () => {
    const g: ApiGetter = defaultTextMapGetter;
    const s: ApiSetter = defaultTextMapSetter;
    const carrier: Record<string, string> = {};
    s.set(carrier, 'k', 'v');
    assert.equal(g.get(carrier, 'k'), 'v');
  });
});

describe('defaultTextMapSetter', () => {
  it('assigns the key; ignores carriers that are not objects', () => {
    const carrier: Record<string, unknown> = {};
    defaultTextMapSetter.set(carrier, 'traceparent', 'v');
    assert.deepEqual(carrier, { traceparent: 'v' });
    for (const c of [null, undefined, 1, 'x']) defaultTextMapSetter.set(c as never, 'k', 'v');
  });
});

describe('with real Node HTTP messages', () => {
  it('extracts from IncomingMessage.headers (lower-cased names, repeated baggage joined)', async () => {
    const propagator = createPropagator(['tracecontext', 'baggage']);
    let received: IncomingHttpHeaders | undefined;
    const server = createServer((req, res) => {
      received = req.headers;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Outgoing: inject into the options' headers object, as the http instrumentation will.
      const headers: Record<string, string | string[]> = {};
      propagator.inject(setBaggage(withSpan(), createBaggage({ a: { value: 'x y' } })), headers, defaultTextMapSetter);
      headers.TraceState = 'vendor=1';
      headers.baggage = [headers.baggage as string, 'b=2', 'c=3'];
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, headers, method: 'GET', path: '/' }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      assert.ok(received);
      const ctx = propagator.extract(ROOT_CONTEXT, received, defaultTextMapGetter);
      const sc = remote(ctx);
      assert.deepEqual([sc.traceId, sc.spanId, sc.traceState?.get('vendor')], [TRACE_ID, SPAN_ID, '1']);
      assert.deepEqual(
        getBaggage(ctx)
          ?.getAllEntries()
          .map(([k, e]) => `${k}=${e.value}`),
        ['a=x y', 'b=2', 'c=3'],
      );
      assert.equal(received.traceparent, TRACEPARENT);
    } finally {
      server.close();
    }
  });
});
