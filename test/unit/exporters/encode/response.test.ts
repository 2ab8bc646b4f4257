import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import * as protobuf from 'protobufjs';
import {
  decodePartialSuccess,
  decodePartialSuccessJson,
  decodeRpcStatus,
  decodeRpcStatusJson,
} from '../../../../src/exporters/otlp/encode/response';
import { otlp, type StaticMessage } from './fixtures';

const TraceResponse = otlp.collector.trace.v1.ExportTraceServiceResponse;
const LogsResponse = otlp.collector.logs.v1.ExportLogsServiceResponse;
const MetricsResponse = otlp.collector.metrics.v1.ExportMetricsServiceResponse;

const encode = (type: StaticMessage, object: unknown): Uint8Array => type.encode(type.fromObject(object)).finish();

/**
 * google.rpc.Status and google.rpc.RetryInfo as defined in googleapis (google/rpc/status.proto,
 * google/rpc/error_details.proto); no installed package ships them, so their messages are given
 * here, with google.protobuf.Any and Duration from protobufjs's bundled well-known types.
 */
const googleRpc = (() => {
  const root = protobuf.parse(
    `syntax = "proto3";
     package google.rpc;
     import "google/protobuf/any.proto";
     import "google/protobuf/duration.proto";
     message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
     message RetryInfo { google.protobuf.Duration retry_delay = 1; }
     message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }`,
  ).root;
  // (the bundled Any keeps its proto field names: type_url)
  root.addJSON(protobuf.common.get('google/protobuf/any.proto')!.nested!);
  root.addJSON(protobuf.common.get('google/protobuf/duration.proto')!.nested!);
  root.resolveAll();
  return {
    Status: root.lookupType('google.rpc.Status'),
    RetryInfo: root.lookupType('google.rpc.RetryInfo'),
    ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
  };
})();

function rpcStatus(object: { code?: number; message?: string; details?: { type_url: string; value: Uint8Array }[] }): Uint8Array {
  const { Status } = googleRpc;
  return Status.encode(Status.fromObject(object)).finish();
}

function retryInfo(seconds: number, nanos: number): Uint8Array {
  const { RetryInfo } = googleRpc;
  return RetryInfo.encode(RetryInfo.fromObject({ retryDelay: { seconds, nanos } })).finish();
}

/** Deterministic pseudo-random bytes. */
function garbage(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

const HTML = Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>');

describe('decodePartialSuccess (binary protobuf)', () => {
  it('decodes the partial success of each signal, encoded with the official definitions', () => {
    assert.deepStrictEqual(decodePartialSuccess(encode(TraceResponse, { partialSuccess: { rejectedSpans: 5, errorMessage: 'spans too old' } })), {
      rejected: 5,
      message: 'spans too old',
    });
    assert.deepStrictEqual(decodePartialSuccess(encode(LogsResponse, { partialSuccess: { rejectedLogRecords: 7, errorMessage: 'body too large' } })), {
      rejected: 7,
      message: 'body too large',
    });
    assert.deepStrictEqual(
      decodePartialSuccess(encode(MetricsResponse, { partialSuccess: { rejectedDataPoints: '1099511627776', errorMessage: 'ünïcode ✓' } })),
      { rejected: 1099511627776, message: 'ünïcode ✓' },
    );
  });

  it('decodes a warning (nothing rejected, a message) and a count without a message', () => {
    assert.deepStrictEqual(decodePartialSuccess(encode(TraceResponse, { partialSuccess: { errorMessage: 'deprecated attribute' } })), {
      rejected: 0,
      message: 'deprecated attribute',
    });
    assert.deepStrictEqual(decodePartialSuccess(encode(TraceResponse, { partialSuccess: { rejectedSpans: 2 } })), { rejected: 2, message: '' });
  });

  it('gives undefined for a full success', () => {
    assert.equal(decodePartialSuccess(new Uint8Array(0)), undefined);
    assert.equal(decodePartialSuccess(encode(TraceResponse, {})), undefined);
    assert.equal(decodePartialSuccess(encode(TraceResponse, { partialSuccess: {} })), undefined);
  });

  it('skips unknown fields, in the response and in the partial success', () => {
    const known = encode(TraceResponse, { partialSuccess: { rejectedSpans: 3, errorMessage: 'x' } });
    // field 9 (varint 150), field 10 (string "zz") before, field 3 fixed64 inside a second partial_success
    const extra = Uint8Array.from([0x48, 0x96, 0x01, 0x52, 0x02, 0x7a, 0x7a]);
    const inner = Uint8Array.from([0x0a, 0x09, 0x19, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepStrictEqual(decodePartialSuccess(Buffer.concat([extra, known, inner])), { rejected: 3, message: 'x' });
  });

  it('gives undefined, without throwing, for garbage', () => {
    const valid = encode(TraceResponse, { partialSuccess: { rejectedSpans: 3, errorMessage: 'a message long enough' } });
    assert.equal(decodePartialSuccess(valid.subarray(0, valid.length - 3)), undefined, 'truncated');
    assert.equal(decodePartialSuccess(Uint8Array.from([0x08, 0x01])), undefined, 'partial_success as a varint');
    assert.equal(decodePartialSuccess(Uint8Array.from([0x0a, 0x02, 0x0a, 0x00])), undefined, 'rejected as a string');
    assert.equal(decodePartialSuccess(Uint8Array.from([0x0a, 0x05, 0x08, 0x01])), undefined, 'length beyond the end');
    assert.equal(decodePartialSuccess(Uint8Array.from([0x0a, 0x02, 0x12, 0x02, 0x41, 0x41])), undefined, 'inner field overruns its message');
    assert.equal(decodePartialSuccess(HTML), undefined, 'an HTML error page');
    assert.equal(decodePartialSuccess(Buffer.from('{"partialSuccess":{}}')), undefined, 'JSON');
    assert.equal(decodePartialSuccess(null as unknown as Uint8Array), undefined, 'null');
    assert.equal(decodePartialSuccess('text' as unknown as Uint8Array), undefined, 'a string');
    for (let seed = 1; seed <= 2000; seed++) {
      const bytes = garbage(seed, 1 + (seed % 64));
      const result = decodePartialSuccess(bytes);
      if (result !== undefined) {
        assert.equal(typeof result.rejected, 'number');
        assert.equal(typeof result.message, 'string');
      }
    }
  });
});

describe('the binary decoders\' reader, on malformed and unusual input', () => {
  const known = Uint8Array.from([0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 0x78]); // partial_success { rejected 3, "x" }
  const ok = { rejected: 3, message: 'x' };
  const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => Buffer.concat(parts.map((p) => Uint8Array.from(p)));

  it('skips unknown fields of every wire type, groups included', () => {
    // field 5: a group holding a varint, a fixed64, a string, a nested group (field 6) and a fixed32
    const group = [0x2b, 0x08, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x01, 0x41, 0x33, 0x08, 0x02, 0x34, 0x25, 1, 2, 3, 4, 0x2c];
    assert.deepStrictEqual(decodePartialSuccess(cat(group, known)), ok);
    assert.deepStrictEqual(decodePartialSuccess(cat(known, [0x78, 0x01], group)), ok);
    // a ten-byte varint (the longest there is) in an unknown field
    assert.deepStrictEqual(decodePartialSuccess(cat([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], known)), ok);
  });

  it('reads negative and 64-bit counts', () => {
    // rejected = -1: ten bytes
    assert.deepStrictEqual(decodePartialSuccess(Uint8Array.from([0x0a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), {
      rejected: -1,
      message: '',
    });
    // rejected = 2^40
    assert.deepStrictEqual(decodePartialSuccess(Uint8Array.from([0x0a, 0x07, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])), { rejected: 2 ** 40, message: '' });
  });

  it('replaces invalid UTF-8 in a message with U+FFFD', () => {
    assert.deepStrictEqual(decodePartialSuccess(Uint8Array.from([0x0a, 0x06, 0x08, 0x01, 0x12, 0x02, 0xc3, 0x28])), { rejected: 1, message: '\ufffd(' });
    assert.deepStrictEqual(decodeRpcStatus(Uint8Array.from([0x08, 0x02, 0x12, 0x01, 0xff])), { code: 2, message: '\ufffd' });
  });

  it('reads a message at an offset inside a larger buffer', () => {
    const outer = cat([9, 9, 9], known, [9]);
    assert.deepStrictEqual(decodePartialSuccess(outer.subarray(3, 3 + known.length)), ok);
  });

  it('gives undefined, without throwing, for malformed varints, tags, lengths and groups', () => {
    const CASES: [string, number[]][] = [
      ['a varint longer than ten bytes', [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      ['a varint cut at the end', [0x18, 0x96]],
      ['a tag cut at the end', [0xff]],
      ['field number 0', [0x00, 0x01]],
      ['a tag beyond 32 bits', [0x88, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01]],
      ['wire type 6', [0x1e, 0x01]],
      ['wire type 7', [0x1f, 0x01]],
      ['an end-group without its start', [0x1c]],
      ['a group never closed', [0x2b, 0x08, 0x01]],
      ['a group closed by another field number', [0x2b, 0x08, 0x01, 0x34]],
      ['groups nested beyond any reason', [...new Array<number>(5000).fill(0x2b)]],
      ['a fixed64 cut short', [0x19, 1, 2, 3]],
      ['a fixed32 cut short', [0x1d, 1, 2]],
      ['a length beyond the end', [0x1a, 0x7f, 0x41]],
      ['a length beyond 32 bits', [0x1a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      ['a string cut inside partial_success', [0x0a, 0x04, 0x12, 0x05, 0x41, 0x41]],
    ];
    for (const [name, bytes] of CASES) {
      assert.equal(decodePartialSuccess(Uint8Array.from(bytes)), undefined, `partial success: ${name}`);
      assert.equal(decodePartialSuccess(cat(known, bytes)), undefined, `partial success, after a valid one: ${name}`);
      assert.equal(decodeRpcStatus(cat([0x08, 0x01], bytes)), undefined, `status: ${name}`);
    }
    // inside a RetryInfo detail, the detail is ignored and the status kept
    const retryInfoUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
    const withDetail = (value: number[]): Uint8Array =>
      cat([0x08, 0x0e, 0x1a, 2 + retryInfoUrl.length + 2 + value.length, 0x0a, retryInfoUrl.length], retryInfoUrl, [0x12, value.length], value);
    assert.deepStrictEqual(decodeRpcStatus(withDetail([0x0a, 0x02, 0x08, 0x05])), { code: 14, message: '', retryDelayMs: 5000 });
    for (const [name, bytes] of CASES) {
      if (bytes.length > 100) continue; // (the detail's one-byte lengths)
      assert.deepStrictEqual(decodeRpcStatus(withDetail(bytes)), { code: 14, message: '' }, `RetryInfo: ${name}`);
    }
  });
});

describe('decodePartialSuccessJson (OTLP/JSON)', () => {
  it('decodes each signal, counts as strings or numbers', () => {
    assert.deepStrictEqual(decodePartialSuccessJson('{"partialSuccess":{"rejectedSpans":"5","errorMessage":"too old"}}', 'traces'), {
      rejected: 5,
      message: 'too old',
    });
    assert.deepStrictEqual(decodePartialSuccessJson('{"partialSuccess":{"rejectedLogRecords":7}}', 'logs'), { rejected: 7, message: '' });
    assert.deepStrictEqual(decodePartialSuccessJson(Buffer.from('{"partialSuccess":{"rejectedDataPoints":"9","errorMessage":"m"}}'), 'metrics'), {
      rejected: 9,
      message: 'm',
    });
  });

  it('accepts the proto field names, and any signal when none is given', () => {
    assert.deepStrictEqual(decodePartialSuccessJson('{"partial_success":{"rejected_spans":2,"error_message":"x"}}', 'traces'), { rejected: 2, message: 'x' });
    assert.deepStrictEqual(decodePartialSuccessJson('{"partialSuccess":{"rejectedLogRecords":4}}'), { rejected: 4, message: '' });
    // another signal's count is not this signal's
    assert.deepStrictEqual(decodePartialSuccessJson('{"partialSuccess":{"rejectedLogRecords":4,"errorMessage":"w"}}', 'traces'), { rejected: 0, message: 'w' });
  });

  it('decodes what the official definitions write as proto3 JSON', () => {
    const object = TraceResponse.toObject(TraceResponse.fromObject({ partialSuccess: { rejectedSpans: 12, errorMessage: 'e' } }), { longs: String });
    assert.deepStrictEqual(decodePartialSuccessJson(JSON.stringify(object), 'traces'), { rejected: 12, message: 'e' });
  });

  it('gives undefined for a full success', () => {
    assert.equal(decodePartialSuccessJson('{}', 'traces'), undefined);
    assert.equal(decodePartialSuccessJson('{"partialSuccess":{}}', 'traces'), undefined);
    assert.equal(decodePartialSuccessJson('{"partialSuccess":null}', 'traces'), undefined);
    assert.equal(decodePartialSuccessJson('{"partialSuccess":{"rejectedSpans":"0","errorMessage":""}}', 'traces'), undefined);
  });

  it('gives undefined, without throwing, for garbage', () => {
    for (const text of ['', 'null', '[]', '"x"', '42', '{', HTML.toString(), '{"partialSuccess":5}', '{"partialSuccess":{"rejectedSpans":"many"}}',
      '{"partialSuccess":{"rejectedSpans":1.5}}', '{"partialSuccess":{"errorMessage":7}}']) {
      assert.equal(decodePartialSuccessJson(text, 'traces'), undefined, text);
    }
    assert.equal(decodePartialSuccessJson(garbage(7, 100), 'traces'), undefined);
    assert.equal(decodePartialSuccessJson(null as unknown as string, 'traces'), undefined);
  });
});

describe('decodeRpcStatus (google.rpc.Status, binary protobuf)', () => {
  it('decodes code and message', () => {
    assert.deepStrictEqual(decodeRpcStatus(rpcStatus({ code: 3, message: 'invalid argument: bad span' })), { code: 3, message: 'invalid argument: bad span' });
  });

  it('extracts the retry delay of a RetryInfo detail, among other details', () => {
    const errorInfo = googleRpc.ErrorInfo.encode(googleRpc.ErrorInfo.fromObject({ reason: 'OVERLOADED', domain: 'collector' })).finish();
    const status = rpcStatus({
      code: 14,
      message: 'unavailable',
      details: [
        { type_url: 'type.googleapis.com/google.rpc.ErrorInfo', value: errorInfo },
        { type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo(5, 500000000) },
      ],
    });
    assert.deepStrictEqual(decodeRpcStatus(status), { code: 14, message: 'unavailable', retryDelayMs: 5500 });
  });

  it('reads RetryInfo whatever the type URL prefix, and only RetryInfo', () => {
    assert.equal(decodeRpcStatus(rpcStatus({ code: 8, details: [{ type_url: 'google.rpc.RetryInfo', value: retryInfo(30, 0) }] }))?.retryDelayMs, 30000);
    assert.equal(decodeRpcStatus(rpcStatus({ code: 8, details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo(0, 1000) }] }))?.retryDelayMs, 0.001);
    assert.deepStrictEqual(
      decodeRpcStatus(rpcStatus({ code: 8, message: 'm', details: [{ type_url: 'type.googleapis.com/google.rpc.DebugInfo', value: retryInfo(9, 0) }] })),
      { code: 8, message: 'm' },
    );
  });

  it('ignores a RetryInfo it cannot decode, keeping the status', () => {
    const bad = rpcStatus({ code: 14, message: 'm', details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: Uint8Array.from([0x0a, 0x09, 0x08]) }] });
    assert.deepStrictEqual(decodeRpcStatus(bad), { code: 14, message: 'm' });
  });

  it('gives undefined, without throwing, for garbage', () => {
    assert.equal(decodeRpcStatus(new Uint8Array(0)), undefined, 'empty');
    assert.equal(decodeRpcStatus(HTML), undefined, 'HTML');
    assert.equal(decodeRpcStatus(Uint8Array.from([0x0a, 0x01, 0x00])), undefined, 'code as bytes');
    assert.equal(decodeRpcStatus(Uint8Array.from([0x12, 0x10, 0x41])), undefined, 'truncated message');
    assert.equal(decodeRpcStatus(Uint8Array.from([0x1a, 0x03, 0x0a, 0x05, 0x41])), undefined, 'Any overruns its detail');
    assert.equal(decodeRpcStatus(undefined as unknown as Uint8Array), undefined, 'undefined');
    for (let seed = 1; seed <= 2000; seed++) decodeRpcStatus(garbage(seed * 31, 1 + (seed % 80)));
  });
});

describe('decodeRpcStatusJson (google.rpc.Status, JSON)', () => {
  it('decodes code, message and a RetryInfo detail', () => {
    const body = JSON.stringify({
      code: 14,
      message: 'unavailable',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'x' },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.5s' },
      ],
    });
    assert.deepStrictEqual(decodeRpcStatusJson(body), { code: 14, message: 'unavailable', retryDelayMs: 2500 });
    assert.deepStrictEqual(decodeRpcStatusJson(Buffer.from('{"code":"3","message":"bad"}')), { code: 3, message: 'bad' });
    assert.equal(decodeRpcStatusJson('{"details":[{"@type":"google.rpc.RetryInfo","retryDelay":"0.000000001s"}]}')?.retryDelayMs, 0.000001);
  });

  it('gives undefined, without throwing, for garbage', () => {
    for (const text of ['', '{}', 'null', '[1]', HTML.toString(), '{"code":"x"}', '{"message":5}', '{"code":1.5}']) {
      assert.equal(decodeRpcStatusJson(text), undefined, text);
    }
    assert.deepStrictEqual(decodeRpcStatusJson('{"code":14,"details":[{"@type":"google.rpc.RetryInfo","retryDelay":"soon"}]}'), { code: 14, message: '' });
    assert.deepStrictEqual(decodeRpcStatusJson('{"code":14,"details":"nope"}'), { code: 14, message: '' });
  });
});
