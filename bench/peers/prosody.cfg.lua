-- Prosody 0.12 for the IM-peer runs of `make bench` (bench/README.md
-- "IM peers"), without a message archive. bench/peers/peers.sh fills in the
-- @...@ fields and runs it from a temp dir on a free loopback port.
--
-- Tuned for throughput: the epoll network backend, Lua 5.4's generational
-- garbage collector (Prosody 0.12's `gc` option; well under half the default
-- collector's CPU per message here), no rate limits (mod_limits not
-- loaded), no s2s. Plain c2s on loopback with SASL PLAIN, as Parley's TCP runs without
-- TLS; in-band registration so the load generator makes its accounts.

pidfile = "@DIR@/prosody.pid"
data_path = "@DIR@/data"
log = { warn = "@DIR@/prosody.log" }
certificates = "@DIR@"  -- none: plain c2s only

network_backend = "epoll"
gc = { mode = "generational" }

c2s_ports = { @PORT@ }
c2s_interfaces = { "127.0.0.1" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true

modules_enabled = {
	"roster"; "saslauth"; "disco"; "ping"; "register"; "smacks";
}
modules_disabled = { "s2s"; "s2s_auth_certs" }

authentication = "internal_hashed"
allow_registration = true  -- mod_register_limits throttles nothing without a throttle set
storage = "internal"

VirtualHost "@DOMAIN@"
