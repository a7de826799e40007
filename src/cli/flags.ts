/** Flag parsers shared by commands. */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../index.js';

/** Parse a positive integer flag (`--count 3`); 0, negatives and words are usage errors. */
export function positiveInt(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 1 (got "${value}")`);
    }
    return Number(value);
  };
}

/** A comma-separated list flag (`--checks a,b`). */
export function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A duration flag (`--lock-timeout 5s`, `500ms`, `2m`, or seconds): checked here, kept as typed for the settings to resolve. */
export function durationFlag(flag: string): (value: string) => string {
  return (value: string) => {
    if (parseDuration(value) === undefined) throw new InvalidArgumentError(`${flag} must be a duration like 5s, 500ms or 2m (got "${value}")`);
    return value;
  };
}
