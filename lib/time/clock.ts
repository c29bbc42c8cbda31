/** Source of the current time; injected so expiry logic is testable without sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Returns a clock stopped at `time`. A transaction reads its time once and gives every event it
 * records that time, so the timeline, which orders by time, shows them in chain order.
 */
export function stoppedClock(time: Date): Clock {
  const fixed = time.getTime();
  return { now: () => new Date(fixed) };
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = "2026-01-01T00:00:00.000Z") {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date | string): void {
    this.current = new Date(time).getTime();
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

export function addSeconds(time: Date, seconds: number): Date {
  return new Date(time.getTime() + seconds * 1000);
}
