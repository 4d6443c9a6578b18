import { Schema } from 'mongoose';

/** The stored overrides of the policy settings; anything absent takes its default. */
export interface StoredSettings {
  _id: 'settings';
  version: number;
  capacity?: number;
  timeZone?: string;
  warnAfterMonths?: number;
  revokeAfterMonths?: number;
  revocationNoticeDays?: number;
  turnoverFirstDay?: number;
  turnoverLastDay?: number;
  resumeAheadOfWaitlist?: boolean;
  allowedEmailDomains?: string[];
  programContact?: string;
  programUrl?: string;
  turnoverSchedule?: string;
  inactivitySchedule?: string;
  yearEndSchedule?: string;
  activitySyncSchedule?: string;
  deliverySchedule?: string;
}

export const settingsSchema = new Schema<StoredSettings>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    capacity: Number,
    timeZone: String,
    warnAfterMonths: Number,
    revokeAfterMonths: Number,
    revocationNoticeDays: Number,
    turnoverFirstDay: Number,
    turnoverLastDay: Number,
    resumeAheadOfWaitlist: Boolean,
    allowedEmailDomains: { type: [String], default: undefined },
    programContact: String,
    programUrl: String,
    turnoverSchedule: String,
    inactivitySchedule: String,
    yearEndSchedule: String,
    activitySyncSchedule: String,
    deliverySchedule: String,
  },
  { collection: 'settings', versionKey: false, autoIndex: false },
);
