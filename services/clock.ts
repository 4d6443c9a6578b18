/** The one source of "now". Production uses the system clock; tests and the simulator set their own. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
