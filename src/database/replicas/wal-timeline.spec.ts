import { formatWalPosition, parseWalPosition } from './wal-position';
import { WalTimeline } from './wal-timeline';

describe('WAL positions', () => {
  it('parses pg_lsn text past 2^53 exactly and prints it back', () => {
    expect(parseWalPosition('0/16B3748')).toBe(0x16b3748n);
    const high = parseWalPosition('FFFFFFFF/FFFFFFFF')!;
    expect(high).toBe(2n ** 64n - 1n);
    expect(formatWalPosition(high)).toBe('FFFFFFFF/FFFFFFFF');
    expect(parseWalPosition('16/b374d848')).toBeGreaterThan(parseWalPosition('16/B374D847')!);
  });

  it.each(['', '0', '/1', '1/', '0/123456789', 'x/1', "0/1'; select 1", ' 0/1', null, undefined])(
    'refuses %j',
    (text) => {
      expect(parseWalPosition(text)).toBeUndefined();
    },
  );
});

describe('WalTimeline', () => {
  it('a replica at or past the primary is 0 behind', () => {
    const timeline = new WalTimeline();
    timeline.record(100n, 1_000);
    expect(timeline.lagOf(100n, 5_000)).toEqual({ bytes: 0, ms: 0 });
    expect(timeline.lagOf(150n, 5_000)).toEqual({ bytes: 0, ms: 0 });
  });

  it('lag in time is the age of the first primary position the replica has not replayed', () => {
    const timeline = new WalTimeline();
    timeline.record(100n, 1_000);
    timeline.record(200n, 2_000);
    timeline.record(200n, 3_000); // unchanged: not a new sample
    timeline.record(300n, 4_000);
    expect(timeline.lagOf(100n, 4_500)).toEqual({ bytes: 200, ms: 2_500 });
    expect(timeline.lagOf(250n, 4_500)).toEqual({ bytes: 50, ms: 500 });
    expect(timeline.lagOf(50n, 4_500)).toEqual({ bytes: 250, ms: 3_500 });
  });

  it('an idle primary keeps an up-to-date replica at 0 however long it stays idle', () => {
    const timeline = new WalTimeline();
    timeline.record(100n, 0);
    expect(timeline.lagOf(100n, 3_600_000).ms).toBe(0);
  });
});
