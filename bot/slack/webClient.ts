// The one Slack Web API client of the process. Retries are the caller's business: the
// client's own would pause every call for the length of any Retry-After, and retry
// calls whose answer was lost, which for chat.postMessage could post twice.
import { LogLevel, WebClient } from '@slack/web-api';
import type { SlackConfig } from '../config.js';

export const SLACK_TIMEOUT_MS = 15_000;

export function slackWebClient(config: SlackConfig, timeoutMs = SLACK_TIMEOUT_MS): WebClient {
  return new WebClient(config.botToken, {
    slackApiUrl: config.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: LogLevel.ERROR,
  });
}
