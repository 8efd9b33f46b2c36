// The cut-off scenario on a cluster: Redis + MariaDB and two gateways. The
// online device sits on gw1, the cut-off one on gw2, the senders on both,
// so pushes cross gateways and catch-up reads the cluster store's inbox.

import { after, before, describe, test } from 'node:test';

import { startCluster } from './support/cluster.js';
import { cutOffScenario } from './support/cut_off.js';

describe('cluster: a device cut off while 1,000 messages flow', () => {
  let cluster;
  before(async () => { cluster = await startCluster(2, ['--fanout-threshold', '2']); });
  after(async () => cluster?.stop());

  test('converges to exactly the online device\'s state across gateways', async () => {
    const [gw1, gw2] = cluster.gateways;
    await cutOffScenario({ register: gw1.url, online: gw1.url, cutOffPort: gw2.port,
                           senders: [gw1.url, gw2.url] });
  });
});
