import { Schema } from 'mongoose';

/** One document a month: inserting it is how a turnover run claims that month. */
export interface TurnoverRun {
  /** The month in the org time zone, `YYYY-MM`. */
  _id: string;
  startedAt: Date;
  finishedAt?: Date;
  /** What the run did, for the admin console: counts and who was skipped and why. */
  summary?: Record<string, unknown>;
}

export const turnoverRunSchema = new Schema<TurnoverRun>(
  {
    _id: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: Date,
    summary: Schema.Types.Mixed,
  },
  { collection: 'turnover_runs', versionKey: false, autoIndex: false },
);
