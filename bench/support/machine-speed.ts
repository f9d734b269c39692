import { Client } from 'pg';
import { onCpuNs } from './cpu-cost';

/**
 * The same server work every time and nothing else: a PL/pgSQL loop adding integers, about 35 ms of
 * one backend's CPU on this machine at full speed, no memory, no I/O, no catalog beyond the first call.
 */
const PROBE = 'DO $$ DECLARE s bigint := 0; BEGIN FOR i IN 1..1000000 LOOP s := s + i; END LOOP; END $$';
/** A probe this much slower than the fastest one seen is taken in a slow episode. */
const SLOW = 1.25;

/** What the probes saw over a run: how often, and by how much, the machine ran slow. */
export interface MachineSpeedSummary {
  probes: number;
  fastestMs: number;
  medianMs: number;
  /** Share of the probes at least 1.25x the fastest. */
  slowShare: number;
  /** Seconds spent waiting for the machine to run at full speed again, and waits given up. */
  waitedS: number;
  gaveUp: number;
}

/**
 * Times a fixed query, to tell a slow machine from a slow contender. On the 2-vCPU virtual
 * machines of this project, the same loop's CPU time (user time of one backend, nothing else
 * running) doubles, from ~35 ms to ~70 ms, for 1–6 s at a time, 11–17% of the time; the steal
 * counter stays at 0 (bench/README.md, "Its slow episodes, and the machine probe"). The timed
 * scenarios' turns, one operation or 10 ms each, spread an episode over every contender alike; a
 * bulk call of 2–5 s, one of a few, takes it alone.
 */
export class MachineSpeed {
  /** The recorded probes' times (not those of waits, which are many while the machine is slow). */
  private readonly times: number[] = [];
  private fastest = Number.POSITIVE_INFINITY;
  private waitedMs = 0;
  private gaveUp = 0;

  /**
   * @param backend the probe's backend pid when the server is a local process: its CPU time is
   *   timed, not the query's wall time, which the server's own background work (the writer of the
   *   buffers a bulk call dirtied) also stretches.
   */
  private constructor(
    private readonly client: Client,
    private readonly backend: number | undefined,
    private readonly waitBudgetMs: number,
  ) {}

  /**
   * Its own connection to the bench's server, calibrated with a few probes. `waitBudgetMs`: how long
   * {@link settle} may wait in all, so a machine slow for minutes stretches the run by that at most.
   */
  static async open(url: string, waitBudgetMs = 120_000): Promise<MachineSpeed> {
    const client = new Client({ connectionString: url });
    await client.connect();
    const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0];
    const speed = new MachineSpeed(client, onCpuNs(pid) > 0 ? pid : undefined, waitBudgetMs);
    for (let i = 0; i < 5; i++) await speed.probe();
    return speed;
  }

  /** Runs the probe once, records it and returns its time in ms. */
  async probe(): Promise<number> {
    const ms = await this.time();
    this.times.push(ms);
    return ms;
  }

  /** Whether a probe of `ms` ran at the machine's full speed. */
  isFast(ms: number): boolean {
    return ms <= this.fastest * SLOW;
  }

  /** Whether {@link settle} may still wait: its budget for the run is not spent. */
  get patient(): boolean {
    return this.waitedMs < this.waitBudgetMs;
  }

  /** Probes until one runs at full speed, for at most `limitMs`; whether one did. */
  async settle(limitMs = 5_000): Promise<boolean> {
    const started = performance.now();
    try {
      while (this.patient && performance.now() - started < limitMs) if (this.isFast(await this.time())) return true;
      this.gaveUp++;
      return false;
    } finally {
      this.waitedMs += performance.now() - started;
    }
  }

  /** The probe's time in ms: CPU time of its backend when local, else the query's wall time. */
  private async time(): Promise<number> {
    const started = performance.now();
    const cpuBefore = this.backend === undefined ? 0 : onCpuNs(this.backend);
    await this.client.query(PROBE);
    const ms = this.backend === undefined ? performance.now() - started : (onCpuNs(this.backend) - cpuBefore) / 1e6;
    this.fastest = Math.min(this.fastest, ms);
    return ms;
  }

  summary(): MachineSpeedSummary {
    const sorted = [...this.times].sort((a, b) => a - b);
    return {
      probes: sorted.length,
      fastestMs: Math.round(this.fastest * 10) / 10,
      medianMs: Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10,
      slowShare: sorted.filter((ms) => !this.isFast(ms)).length / Math.max(1, sorted.length),
      waitedS: Math.round(this.waitedMs / 100) / 10,
      gaveUp: this.gaveUp,
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** Times {@link atFullSpeed} runs a work again when the probe right after it ran slow. */
const REDOS = 2;

/**
 * Runs `work` at the machine's full speed when there is a `speed` probe: once the probe runs fast
 * ({@link MachineSpeed.settle}), and again, up to twice, when the probe right after it runs slow (a
 * slow episode of the machine, not of the work). `after` runs after every attempt, once its probe is
 * taken (a vacuum, which the probe must not see). The last attempt's value, and how many were redone.
 */
export async function atFullSpeed<T>(
  speed: MachineSpeed | undefined,
  work: () => Promise<T>,
  after?: () => Promise<void>,
): Promise<{ value: T; redone: number }> {
  for (let attempt = 0; ; attempt++) {
    await speed?.settle();
    const value = await work();
    const fast = !speed || speed.isFast(await speed.probe());
    await after?.();
    if (fast || attempt === REDOS || !speed.patient) return { value, redone: attempt };
  }
}
