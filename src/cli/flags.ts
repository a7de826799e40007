/** Flag parsers shared by commands. */
import { InvalidArgumentError } from 'commander';

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
