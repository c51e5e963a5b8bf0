/**
 * Customer archive numbers are coded (seed 001): category letter (P individual, E enterprise),
 * the date the archive was created (YYYYMMDD, China Standard Time) and a 7-digit sequence.
 */

export type CustomerKind = 'INDIVIDUAL' | 'CORPORATE';

export const ARCHIVE_NUMBER_PATTERN = /^[PE]\d{8}\d{7}$/;

export function archiveCategory(kind: CustomerKind): 'P' | 'E' {
  return kind === 'INDIVIDUAL' ? 'P' : 'E';
}

/** YYYYMMDD of an instant in China Standard Time (UTC+8, no daylight saving). */
export function chinaDateStamp(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

export function buildArchiveNumber(kind: CustomerKind, createdAt: Date, sequence: number): string {
  return `${archiveCategory(kind)}${chinaDateStamp(createdAt)}${String(sequence % 1e7).padStart(7, '0')}`;
}
