/** One reading of the primary's WAL position and when it was taken. */
interface Sample {
  at: number;
  position: bigint;
}

/** Samples kept at most (at the default 500 ms interval, over eight minutes of writes). */
const MAX_SAMPLES = 1_000;

/**
 * @internal The primary's WAL position over time, read at each check, so that a replica's replay
 * position converts to a lag in time: how long ago the primary first had WAL the replica has not
 * replayed yet (0 when it has replayed everything). Its resolution is the check interval; past the
 * kept samples it reports the oldest one's age, a lower bound that exceeds any sensible bound.
 */
export class WalTimeline {
  private readonly samples: Sample[] = [];

  /** The primary's latest position, once read. */
  get latest(): bigint | undefined {
    return this.samples.at(-1)?.position;
  }

  /** Records the primary's position read at `at` (only when it moved). */
  record(position: bigint, at: number): void {
    const last = this.samples.at(-1);
    if (last && last.position >= position) return;
    this.samples.push({ at, position });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /** Bytes and milliseconds a replica that replayed up to `replayed` is behind, as of `now`. */
  lagOf(replayed: bigint, now: number): { bytes: number; ms: number } {
    const latest = this.latest;
    if (latest === undefined || replayed >= latest) return { bytes: 0, ms: 0 };
    // The first sample past the replayed position: the primary has had unreplayed WAL since then.
    let low = 0;
    let high = this.samples.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.samples[mid].position > replayed) high = mid;
      else low = mid + 1;
    }
    return { bytes: Number(latest - replayed), ms: Math.max(0, now - this.samples[low].at) };
  }
}
