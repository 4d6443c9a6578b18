import { Schema } from 'mongoose';

/**
 * One version of one botbuilder storage item (conversation or user state). Writes insert
 * version N+1 under a unique _id, so of two writers holding the same eTag only one wins.
 */
export interface BotState {
  /** `<version>:<key>`. */
  _id: string;
  key: string;
  version: number;
  /** The item as JSON text: bot state may hold keys MongoDB will not take as field names. */
  json: string;
  storedAt: Date;
}

export const botStateSchema = new Schema<BotState>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    version: { type: Number, required: true },
    json: { type: String, required: true },
    storedAt: { type: Date, required: true },
  },
  { collection: 'bot_state', versionKey: false, autoIndex: false },
);

botStateSchema.index({ key: 1, version: -1 });
