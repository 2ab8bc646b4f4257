import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeLogsRequest, encodeLogsRequestSliced } from '../../../../src/exporters/otlp/encode/logs';
import { encodeLogsRequestJson } from '../../../../src/exporters/otlp/encode/logs-json';
import type { ReadableLogRecord } from '../../../../src/logs/types';
import { EXACT, hexIds, otlp, resourceA, resourceB, scopeHttp, scopePg, type StaticMessage } from './fixtures';

const ExportLogsServiceRequest = (otlp.collector.logs.v1 as unknown as { ExportLogsServiceRequest: StaticMessage }).ExportLogsServiceRequest;
const decode = (bytes: Uint8Array) => hexIds(ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(bytes), EXACT));

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function record(overrides: Partial<ReadableLogRecord> = {}): ReadableLogRecord {
  return {
    timestamp: [1700000000, 123456789],
    observedTimestamp: [1700000000, 223456789],
    severityNumber: 17,
    severityText: 'error',
    body: 'payment failed',
    attributes: {
      'http.route': '/pay',
      attempt: 3,
      ratio: 0.5,
      ok: false,
      user: { id: 7, tags: ['a', 'b'], nested: { deep: true } },
      raw: new Uint8Array([1, 2, 255]),
    },
    droppedAttributesCount: 2,
    spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    eventName: 'payment.failed',
    resource: resourceA,
    instrumentationScope: scopeHttp,
    ...overrides,
  };
}

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

describe('encodeLogsRequest (binary protobuf), decoded with the official definitions', () => {
  it('a full record: every field, attributes as AnyValue maps and arrays, ids, flags', () => {
    const req = decode(encodeLogsRequest([record()])) as any;
    const rl = req.resourceLogs;
    assert.equal(rl.length, 1);
    assert.equal(rl[0].scopeLogs[0].scope.name, scopeHttp.name);
    assert.deepStrictEqual(rl[0].scopeLogs[0].logRecords, [
      {
        timeUnixNano: '1700000000123456789',
        observedTimeUnixNano: '1700000000223456789',
        severityNumber: 17,
        severityText: 'error',
        body: { stringValue: 'payment failed' },
        attributes: [
          kv('http.route', { stringValue: '/pay' }),
          kv('attempt', { intValue: '3' }),
          kv('ratio', { doubleValue: 0.5 }),
          kv('ok', { boolValue: false }),
          kv('user', {
            kvlistValue: {
              values: [
                kv('id', { intValue: '7' }),
                kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }),
                kv('nested', { kvlistValue: { values: [kv('deep', { boolValue: true })] } }),
              ],
            },
          }),
          kv('raw', { bytesValue: Buffer.from([1, 2, 255]).toString('base64') }),
        ],
        droppedAttributesCount: 2,
        flags: 1,
        traceId: TRACE,
        spanId: SPAN,
        eventName: 'payment.failed',
      },
    ]);
  });

  it('a record outside any trace, without time, severity or body: only the observed time', () => {
    const req = decode(
      encodeLogsRequest([
        record({ timestamp: undefined, severityNumber: 0, severityText: undefined, body: undefined, attributes: {}, droppedAttributesCount: 0, spanContext: undefined, eventName: undefined }),
      ]),
    ) as any;
    assert.deepStrictEqual(req.resourceLogs[0].scopeLogs[0].logRecords, [{ observedTimeUnixNano: '1700000000223456789' }]);
  });

  it('a structured body (a map) stays a map', () => {
    const req = decode(encodeLogsRequest([record({ body: { msg: 'x', n: 1 } })])) as any;
    assert.deepStrictEqual(req.resourceLogs[0].scopeLogs[0].logRecords[0].body, {
      kvlistValue: { values: [kv('msg', { stringValue: 'x' }), kv('n', { intValue: '1' })] },
    });
  });

  it('groups by resource, then scope, in order of first appearance; canonical bytes', () => {
    const records = [
      record({ resource: resourceB, instrumentationScope: scopePg, body: '1' }),
      record({ resource: resourceA, instrumentationScope: scopeHttp, body: '2' }),
      record({ resource: resourceB, instrumentationScope: scopePg, body: '3' }),
      record({ resource: resourceB, instrumentationScope: scopeHttp, body: '4' }),
    ];
    const bytes = encodeLogsRequest(records);
    const req = decode(bytes) as any;
    const shape = req.resourceLogs.map((rl: any) =>
      rl.scopeLogs.map((sl: any) => [sl.scope.name, sl.logRecords.map((r: any) => r.body.stringValue)]),
    );
    assert.deepStrictEqual(shape, [
      [
        [scopePg.name, ['1', '3']],
        [scopeHttp.name, ['4']],
      ],
      [[scopeHttp.name, ['2']]],
    ]);
    const again = ExportLogsServiceRequest.encode(ExportLogsServiceRequest.decode(bytes)).finish();
    assert.equal(Buffer.from(bytes).toString('hex'), Buffer.from(again).toString('hex'));
  });

  it('an empty batch is an empty request', () => {
    assert.equal(encodeLogsRequest([]).length, 0);
  });
});

describe('encodeLogsRequestJson (OTLP/JSON)', () => {
  it('the same record, as the specification spells OTLP/JSON: hex ids, int64 as strings, camelCase', () => {
    const req = JSON.parse(encodeLogsRequestJson([record()]));
    const r = req.resourceLogs[0].scopeLogs[0].logRecords[0];
    assert.deepStrictEqual(r, {
      timeUnixNano: '1700000000123456789',
      observedTimeUnixNano: '1700000000223456789',
      severityNumber: 17,
      severityText: 'error',
      body: { stringValue: 'payment failed' },
      attributes: [
        kv('http.route', { stringValue: '/pay' }),
        kv('attempt', { intValue: '3' }),
        kv('ratio', { doubleValue: 0.5 }),
        kv('ok', { boolValue: false }),
        kv('user', {
          kvlistValue: {
            values: [
              kv('id', { intValue: '7' }),
              kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } }),
              kv('nested', { kvlistValue: { values: [kv('deep', { boolValue: true })] } }),
            ],
          },
        }),
        kv('raw', { bytesValue: Buffer.from([1, 2, 255]).toString('base64') }),
      ],
      droppedAttributesCount: 2,
      flags: 1,
      traceId: TRACE,
      spanId: SPAN,
      eventName: 'payment.failed',
    });
    assert.equal(req.resourceLogs[0].scopeLogs[0].scope.name, scopeHttp.name);
  });

  it('the official definitions read it as the protobuf encoding says (fromObject of the JSON, ids aside)', () => {
    const json = JSON.parse(encodeLogsRequestJson([record({ spanContext: undefined })]));
    const fromJson = ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.fromObject(json), EXACT);
    const fromProto = decode(encodeLogsRequest([record({ spanContext: undefined })]));
    assert.deepStrictEqual(fromJson, fromProto);
  });

  it('an empty batch is {}', () => {
    assert.equal(encodeLogsRequestJson([]), '{}');
  });
});

describe('encodeLogsRequestSliced: the same request, a slice of records per step', () => {
  it('150 records over two resources and scopes, in slices of 64: byte for byte encodeLogsRequest', () => {
    const records = Array.from({ length: 150 }, (_, i) =>
      record({ body: `line ${i}`, resource: i % 4 === 0 ? resourceB : resourceA, instrumentationScope: i % 2 ? scopePg : scopeHttp }),
    );
    const steps = encodeLogsRequestSliced(records, 64);
    let pauses = 0;
    let next = steps.next();
    while (!next.done) {
      pauses++;
      next = steps.next();
    }
    assert.equal(pauses, 2);
    assert.deepEqual(Buffer.from(next.value), Buffer.from(encodeLogsRequest(records)));
  });
});
