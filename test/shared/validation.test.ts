import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../shared/validation';

const schema = z.object({ name: z.string(), sizes: z.array(z.number().int()) }).strict();
const failed = (input: unknown): z.ZodError => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('expected the parse to fail');
  return parsed.error;
};

describe('describeZodError', () => {
  it("is zod's prettifyError on one line, problems joined by '; '", () => {
    const error = failed({ sizes: [1, 'x'], extra: 1 });
    const line = describeZodError(error);
    expect(line).not.toContain('\n');
    expect(line.split('; ')).toEqual(z.prettifyError(error).replace(/\n\s*→ at /g, ' → at ').split('\n'));
    expect(line).toContain('→ at sizes[1]');
  });

  it('puts `at` before every path and describes at most `max` problems', () => {
    const error = failed({ sizes: ['a', 'b', 'c'] });
    expect(error.issues).toHaveLength(4);
    const line = describeZodError(error, { at: ['Records', 0], max: 2 });
    expect(line.split('; ')).toHaveLength(2);
    expect(line).toMatch(/^✖ .* → at Records\[0\]\.name; ✖ .* → at Records\[0\]\.sizes\[0\]$/);
  });
});
