/**
 * How deeply a JSON text nests, read without parsing it (no recursion, so no stack to overflow).
 * Brackets inside strings do not count.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Deepest event the emulator accepts. Storing, queueing and handing an event to a function
 * serialise it recursively (JSON.stringify, IPC), which overflows the stack at a few thousand
 * levels; real trigger payloads nest fewer than 10.
 */
export const MAX_EVENT_DEPTH = 512;
