import { Schema, type Types } from 'mongoose';

/**
 * How to reach a person: kept apart from the person document because the bot
 * writes it on every turn, and on FerretDB a write rewrites the whole document.
 */
export interface Contact {
  /** The person's _id. */
  _id: Types.ObjectId;
  teams?: {
    userId: string;
    aadObjectId?: string;
    tenantId?: string;
    /** botbuilder's ConversationReference, stored as given. */
    conversationReference: Record<string, unknown>;
    /** When Teams last told us who this user is (email, name); refreshed daily. */
    identifiedAt?: Date;
  };
  slackUserId?: string;
  /** The direct-message channel with the bot in Slack, once opened. */
  slackDmChannelId?: string;
  updatedAt: Date;
}

export const contactSchema = new Schema<Contact>(
  {
    teams: {
      type: new Schema(
        {
          userId: { type: String, required: true },
          aadObjectId: String,
          tenantId: String,
          conversationReference: { type: Schema.Types.Mixed, required: true },
          identifiedAt: Date,
        },
        { _id: false },
      ),
      default: undefined,
    },
    slackUserId: String,
    slackDmChannelId: String,
    updatedAt: { type: Date, required: true },
  },
  { collection: 'contacts', versionKey: false, autoIndex: false },
);

contactSchema.index({ 'teams.userId': 1 });
contactSchema.index({ 'teams.aadObjectId': 1 });
