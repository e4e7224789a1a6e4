import { MAPPABLE_FIELDS, type MappableField, type RawPerson } from './match-record.js';
import { UsageError } from './usage-error.js';

/** Which input columns feed each matcher field (address may join several columns). */
export type ColumnMap = ReadonlyMap<MappableField, readonly string[]>;

const isMappable = (f: string): f is MappableField => (MAPPABLE_FIELDS as readonly string[]).includes(f);

/** Parses "given_name=first,family_name=surname,address=no+street". */
export function parseColumnMap(text: string): ColumnMap {
  const map = new Map<MappableField, string[]>();
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new UsageError(`--map entry "${part}" should look like field=column (e.g. given_name=first_name)`);
    const field = part.slice(0, eq).trim();
    if (!isMappable(field)) throw new UsageError(`--map field "${field}" is not one the matcher knows; use one of: ${MAPPABLE_FIELDS.join(', ')}`);
    if (map.has(field)) throw new UsageError(`--map names ${field} twice; join several columns with + instead (e.g. address=line1+line2)`);
    const columns = part.slice(eq + 1).split('+').map((c) => c.trim()).filter((c) => c !== '');
    if (columns.length > 1 && field !== 'address' && field !== 'middle_names' && field !== 'full_name') {
      throw new UsageError(`--map ${field} takes one column; only address, middle_names and full_name join several with +`);
    }
    map.set(field, columns);
  }
  if (map.size === 0) throw new UsageError('--map is empty: give at least one field=column pair');
  return map;
}

/** Checks every mapped column exists and no truth column reaches the matcher. */
export function checkColumns(map: ColumnMap, header: readonly string[], file: string, forbidden: ReadonlySet<string>): void {
  for (const [field, columns] of map) {
    for (const column of columns) {
      if (!header.includes(column)) {
        throw new UsageError(`${file} has no column "${column}" (mapped to ${field}); its columns are: ${header.join(', ')}`);
      }
      if (forbidden.has(column)) {
        throw new UsageError(`column "${column}" is a truth, id or excluded column and cannot be mapped to ${field}; remove it from --map`);
      }
    }
  }
}

/** Builds one raw person from a CSV row using the column map; empty values are left out. */
export function rowToPerson(map: ColumnMap, header: readonly string[], row: readonly string[]): RawPerson {
  const person: RawPerson = {};
  for (const [field, columns] of map) {
    const values = columns.map((c) => row[header.indexOf(c)] ?? '').filter((v) => v !== '');
    if (values.length > 0) person[field] = values.join(' ');
  }
  return person;
}
