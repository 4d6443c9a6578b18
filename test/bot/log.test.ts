import { expect } from 'chai';
import { createLogger } from '../../services/log.js';

describe('logs', () => {
  const capture = (level: 'debug' | 'info' = 'info') => {
    const lines: string[] = [];
    const log = createLogger(level, (line) => lines.push(line), () => new Date('2027-01-01T00:00:00Z'));
    return { log, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  };

  it('writes one JSON line per event, at or above the level', () => {
    const { log, parsed } = capture();
    log.debug('hidden');
    log.info('turnover.done', { invited: 3 });
    expect(parsed()).to.deep.equal([{ time: '2027-01-01T00:00:00.000Z', level: 'info', event: 'turnover.done', invited: 3 }]);
  });

  it('never writes secrets', () => {
    const { log, lines } = capture();
    log.error('outbound.failed', {
      clientSecret: 'hunter2',
      headers: { Authorization: 'Bearer abc.def.ghi', 'x-slack-signature': 'v0=deadbeef' },
      detail: 'sent with Bearer abc.def.ghi to mongodb://admin:hunter2@db.example.org/x',
      nested: [{ accessToken: 'tok-123' }],
      error: new Error('connect mongodb+srv://admin:hunter2@cluster.example.org failed'),
    });
    const output = lines.join('\n');
    for (const secret of ['hunter2', 'abc.def.ghi', 'deadbeef', 'tok-123']) expect(output).not.to.include(secret);
    expect(output).to.include('db.example.org');
  });
});
