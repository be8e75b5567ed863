import { describe, expect, it } from 'vitest';
import { fromHandlerResult, toFunctionUrlEvent } from '../../../../infra/local/emulator/functionUrl';

describe('Function URL mapping', () => {
  it('builds the SCF event: lower-case headers, client IP, query, text or base64 body', () => {
    const event = toFunctionUrlEvent({ method: 'get', url: '/a%20b?x=1', headers: { Accept: '*/*' }, remoteAddress: '10.0.0.9', body: Buffer.alloc(0) });
    expect(event).toEqual({ body: '', headers: { accept: '*/*', 'x-scf-remote-addr': '10.0.0.9' }, httpMethod: 'GET', path: '/a b', queryString: { x: '1' } });
    const text = toFunctionUrlEvent({ method: 'POST', url: '/', headers: { 'content-type': 'text/plain' }, remoteAddress: '::1', body: Buffer.from('héllo') });
    expect(text.body).toBe('héllo');
    const invalidUtf8 = toFunctionUrlEvent({ method: 'POST', url: '/', headers: { 'content-type': 'text/plain' }, remoteAddress: '::1', body: Buffer.from([0xc3]) });
    expect(invalidUtf8).toMatchObject({ body: 'ww==', isBase64Encoded: true });
  });

  it('maps statusCode responses and plain JSON', () => {
    expect(fromHandlerResult({ hello: 1 })).toEqual({ ok: true, statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"hello":1}') });
    expect(fromHandlerResult(null)).toMatchObject({ ok: true, statusCode: 200, body: Buffer.from('null') });
    expect(fromHandlerResult({ statusCode: 302, headers: { Location: '/x', 'Set-Cookie': ['a=1', 'b=2'] } })).toEqual({
      ok: true,
      statusCode: 302,
      headers: { location: '/x', 'set-cookie': ['a=1', 'b=2'] },
      body: Buffer.alloc(0),
    });
    expect(fromHandlerResult({ statusCode: 200, body: 'AAEC', isBase64Encoded: true })).toMatchObject({ ok: true, body: Buffer.from([0, 1, 2]) });
  });

  it('explains what is wrong with a bad return', () => {
    expect(fromHandlerResult({ statusCode: 99 })).toEqual({ ok: false, reason: 'statusCode must be an integer 100-599, got 99' });
    expect(fromHandlerResult({ statusCode: 200, body: { a: 1 } })).toMatchObject({ ok: false, reason: expect.stringMatching(/body must be a string/) });
    expect(fromHandlerResult({ statusCode: 200, headers: { 'bad name': 'x' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid header name/) });
    expect(fromHandlerResult({ statusCode: 200, headers: { a: 'x\r\ny: z' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/line break/) });
    expect(fromHandlerResult({ statusCode: 200, body: '!!', isBase64Encoded: true })).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid base64/) });
  });
});
