// Rewrites a fresh js-ipfs repo's config for a private loopback daemon: API on 127.0.0.1:PORT, swarm on a free
// loopback port, no gateway, no bootstrap peers, no mDNS or other discovery. Usage: node configure.cjs REPO PORT
const fs = require('fs');
const path = require('path');
const [repo, port] = process.argv.slice(2);
const file = path.join(repo, 'config');
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.Addresses = Object.assign(c.Addresses || {}, {
  API: `/ip4/127.0.0.1/tcp/${port}`,
  Gateway: '',
  RPC: '',
  Swarm: ['/ip4/127.0.0.1/tcp/0'],
  Announce: [],
  NoAnnounce: [],
  Delegates: []
});
c.Bootstrap = [];
c.Discovery = { MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } };
c.Routing = { Type: 'none' };
fs.writeFileSync(file, JSON.stringify(c, null, 2));
