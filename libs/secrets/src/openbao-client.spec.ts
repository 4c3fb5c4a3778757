import { mappedProblem } from '@ecotrack/core';
import { OpenBaoError } from './openbao-client';

describe('OpenBaoError as a problem (registered with the problem registry of @ecotrack/core)', () => {
  it('maps an outage to 503 and leaves a policy denial to the default 500, without the path in what a client sees', () => {
    const outage = mappedProblem(new OpenBaoError('connect ECONNREFUSED 127.0.0.1:8200', undefined, 'transit/encrypt/personal-fields'));
    expect(outage).toEqual({ status: 503, detail: 'The secrets store is not available; try again shortly.' });
    expect(mappedProblem(new OpenBaoError('internal error', 502, 'transit/encrypt/k'))?.status).toBe(503);
    expect(mappedProblem(new OpenBaoError('permission denied', 403, 'transit/encrypt/k'))).toBeUndefined();
    expect(JSON.stringify(outage)).not.toContain('transit/');
  });
});
