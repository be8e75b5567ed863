import { describe, expect, it } from 'vitest';
import { cosTriggerMatches, eventNameMatches } from '../../../../infra/local/emulator/cosTrigger';

describe('COS trigger matching', () => {
  it('matches an event family with :* and a single event exactly', () => {
    expect(eventNameMatches('cos:ObjectCreated:*', 'cos:ObjectCreated:Put')).toBe(true);
    expect(eventNameMatches('cos:ObjectCreated:*', 'cos:ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventNameMatches('cos:ObjectCreated:*', 'cos:ObjectRemove:Delete')).toBe(false);
    expect(eventNameMatches('cos:ObjectCreated:Put', 'cos:ObjectCreated:Copy')).toBe(false);
    expect(eventNameMatches('cos:ObjectRemove:Delete', 'cos:ObjectRemove:Delete')).toBe(true);
  });

  it('requires the bucket, the prefix and the suffix to match', () => {
    const trigger = { name: 'x', bucket: 'uploads', events: 'cos:ObjectCreated:*', prefix: 'in/', suffix: '.jpg' };
    expect(cosTriggerMatches(trigger, 'uploads', 'cos:ObjectCreated:Put', 'in/a.jpg')).toBe(true);
    expect(cosTriggerMatches(trigger, 'derived', 'cos:ObjectCreated:Put', 'in/a.jpg')).toBe(false);
    expect(cosTriggerMatches(trigger, 'uploads', 'cos:ObjectCreated:Put', 'out/a.jpg')).toBe(false);
    expect(cosTriggerMatches(trigger, 'uploads', 'cos:ObjectCreated:Put', 'in/a.png')).toBe(false);
  });
});
