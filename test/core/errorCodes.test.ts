import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLE, exitCodeFor, hasCode, httpStatusFor, isErrorCode, StrataError } from '@strata/core/errors';
import { UsageError } from '../../infra/cli/io';
import { QuarantineError } from '../../shared/pipeline/errors';

describe('error codes', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s has an HTTP status and a CLI exit code', (code) => {
    const row = ERROR_TABLE[code];
    expect(Number.isInteger(row.http) && row.http >= 400 && row.http <= 599).toBe(true);
    expect(Number.isInteger(row.exit) && row.exit >= 1 && row.exit <= 125).toBe(true);
    expect(httpStatusFor(code)).toBe(row.http);
    expect(exitCodeFor(new StrataError(code, 'x'))).toBe(row.exit);
  });

  it('the table has a row for each code and no other', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...ERROR_CODES].sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('keeps the CLI exit codes the commands document', () => {
    expect(exitCodeFor(new UsageError('bad flag'))).toBe(2); // every command: bad usage
    expect(exitCodeFor(new StrataError('Unreadable', 'x'))).toBe(2); // events parse: unreadable file
    expect(exitCodeFor(new StrataError('NoSuchEvent', 'x'))).toBe(4); // events replay: unknown id
    expect(exitCodeFor(new StrataError('Timeout', 'x'))).toBe(3); // asset show --wait
    expect(exitCodeFor(new StrataError('NoSuchKey', 'x'))).toBe(1); // get/stat/…: "errors exit 1"
    expect(exitCodeFor(new StrataError('NoSuchKey', 'x', { details: { exitCode: 4 } }))).toBe(4); // a command's own
    expect(exitCodeFor(new Error('plain'))).toBe(1);
    expect(exitCodeFor(new QuarantineError('corrupt', 'x'))).toBe(1);
  });

  it('codes read from elsewhere are checked, and hasCode narrows', () => {
    expect(isErrorCode('ResourceNotFound.Function')).toBe(true);
    expect(isErrorCode('SomethingElse')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
    const err: unknown = new StrataError('NoSuchKey', 'gone');
    expect(hasCode(err, 'NoSuchKey') && err.code).toBe('NoSuchKey');
    expect(hasCode(err, 'NoSuchBucket')).toBe(false);
  });
});
