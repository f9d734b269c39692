import type { ColumnParsers } from '../sql/sql-executor';

/**
 * @internal The sort keys of a cursor page's last row, as the text the server sent in the row's own
 * columns: what the next cursor holds (a timestamp to the microsecond, which a `Date` would cut to
 * the millisecond). Selecting them again as `column::text` made the server format every row's keys
 * twice (~35 µs a page of 51 rows sorted by a timestamp and an id). One per page read: its parsers
 * note each key column's text of the last two rows (the page's last, and the probe row after it).
 */
export class SortKeyTexts {
  private readonly current: string[] = [];
  private readonly previous: string[] = [];

  /** @param positions each sort key's column in the select list */
  constructor(private readonly positions: readonly number[]) {}

  /**
   * `others` (the included relations' parsers), with the key columns' texts noted on the way. Each
   * call of the result counts columns from the first (the executor makes one per attempt of a read).
   */
  parsers(others?: ColumnParsers): ColumnParsers {
    return () => {
      const other = others?.();
      let column = 0;
      return (oid, base) => {
        const at = column++;
        // Asked of every column, so that the other parsers count columns as pg asks for them.
        const its = other?.(oid, base);
        const key = this.positions.indexOf(at);
        if (key < 0) return its;
        return (text) => {
          this.previous[key] = this.current[key];
          this.current[key] = text;
          return base(text);
        };
      };
    };
  }

  /** The keys of the page's last row: the row before the last one read when a probe row followed it. */
  keys(probed: boolean): string[] {
    return [...(probed ? this.previous : this.current)];
  }
}
