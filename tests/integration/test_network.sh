# shellcheck shell=bash
# shellcheck disable=SC2016 # container scripts and jq programs in single quotes
# Built-in networks: `carrel network`, containers on a bridge, published ports, the allocator.
# Traffic stays between this host and namespaces the test made (the test's bridge and containers).

# net_init: a private data dir, names with the test's tag (the leak check finds the bridge), a
# subnet of its own, and a cleanup that removes the network after the containers.
net_init() {
  command -v nft >/dev/null || skip "nft (package nftables) is needed to inspect rules"
  export CARREL_DATA_DIR=$TEST_DIR/data
  NET=n$TEST_TAG
  BR=b$TEST_TAG
  local n=${TEST_TAG##*x}
  OCTET=$((n % 200 + 20))
  SUBNET=10.199.$OCTET.0/24
  NETPFX=10.199.$OCTET
  HOSTPORT=$((21000 + n % 1000))
  trap '__net_cleanup' EXIT
  with_net_raw
}

# busybox ping needs a raw socket.
with_net_raw() {
  config_set '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
}

__net_cleanup() {
  local rc=$?
  __carrel_cleanup
  timeout 10 "$CARREL_BIN" network rm "$NET" >/dev/null 2>&1
  ip link delete "$BR" 2>/dev/null
  exit "$rc"
}

net_create() { assert_exit 0 carrel network create "$NET" --subnet "$SUBNET" --bridge "$BR" "$@"; }

# join [NAME[,ip=..]]: the container joins the network.
join() { config_set '.annotations["run.carrel.network"] = $v' --arg v "${1:-$NET}"; }

ctr_ip() { # PID: the IPv4 address of eth0 inside the container
  nsenter -t "$1" -n ip -4 -o addr show dev eth0 | awk '{ print $4 }' | cut -d/ -f1
}

allocations() { jq -c '[.allocations[].ip]' "$CARREL_DATA_DIR/networks/$NET.json"; }

# nft_rules_of NET: the rules carrel holds for the network (empty when none).
nft_rules_of() { nft list table ip carrel 2>/dev/null | grep -F -A4 "chain $1-" | grep -vE '^\s*(chain|type) |^\s*}|^\s*$|^--$' || true; }

host_veths() { ip -o link show master "$BR" 2>/dev/null | awk -F': ' '{ sub("@.*", "", $2); print $2 }'; }

SERVER='while :; do echo "from-$HOSTNAME" | nc -l -p 7000; done'

test_new_network_namespace_has_loopback_up() {
  sh_args 'ip -o link show lo; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok'
  with_net_raw
  run_ok "$ID"
  assert_contains "$RUN_OUT" "LOOPBACK,UP"
  assert_contains "$RUN_OUT" "ping-ok"
}

test_network_create_ls_rm_manage_a_bridge() {
  net_init
  net_create --mtu 1400 --ipv6 fd99:$OCTET::/64
  assert_contains "$(ip -o -4 addr show dev "$BR")" "$NETPFX.1/24"
  assert_contains "$(ip -o -6 addr show dev "$BR")" "fd99:$OCTET::1/64"
  assert_contains "$(ip -o link show dev "$BR")" "mtu 1400"
  assert_exit 0 carrel network ls
  assert_match "$LAST_OUT" "^$NET +$BR +$SUBNET +$NETPFX.1 +fd99:$OCTET::/64 +no +1400 +0$"
  assert_exit 0 carrel network ls --format json
  assert_eq "$SUBNET $BR 0" "$(jq -r '.[0] | "\(.subnet) \(.bridge) \(.containers)"' <<<"$LAST_OUT")"
  assert_exit 0 carrel network rm "$NET"
  assert_exit 0 carrel network ls -q
  assert_eq "" "$LAST_OUT"
  ip link show "$BR" >/dev/null 2>&1 && fail "bridge $BR still exists after network rm"
  true
}

test_network_bad_input_names_the_value_and_makes_nothing() {
  net_init
  net_create
  assert_exit 1 carrel network create "x$NET" --subnet "10.199.$OCTET.128/25" --bridge "x$BR"
  assert_error_line "10.199.$OCTET.128/25" "overlaps" "$NET"
  assert_exit 1 carrel network create "y$NET" --subnet 10.198.0.1/24
  assert_error_line "10.198.0.1/24" "host bits"
  assert_exit 1 carrel network create averyveryverylongnetworkname --subnet 10.198.0.0/24
  assert_error_line "cbr-averyveryverylongnetworkname" "15"
  assert_exit 1 carrel network create "z$NET" --subnet 10.198.0.0/24 --bridge lo
  assert_error_line "lo" "not a bridge"
  assert_exit 0 carrel network ls -q
  assert_eq "$NET" "$LAST_OUT" "networks after the refused creates"
  # A container asking for an address outside the subnet: refused, nothing left.
  join "$NET,ip=10.198.0.5"
  set_args true
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "10.198.0.5" "$SUBNET"
  assert_eq "[]" "$(allocations)"
  assert_eq "" "$(host_veths)"
  join "nosuch$TEST_TAG"
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID"
  assert_error_line "nosuch$TEST_TAG" "does not exist"
  assert_nothing_left "$ID"
}

test_two_containers_ping_each_other_and_talk_tcp() {
  net_init
  net_create
  join "$NET,ip=$NETPFX.10"
  config_set '.hostname = "a"'
  sh_args "$SERVER"
  ct_run_detached "$ID-a"
  join
  config_set '.hostname = "b"'
  sh_args "ip -4 -o addr show eth0; ip route; ping -c1 -W2 $NETPFX.10 >/dev/null && echo ping-ok; nc $NETPFX.10 7000 </dev/null"
  run_ok "$ID-b"
  assert_contains "$RUN_OUT" "ping-ok"
  assert_contains "$RUN_OUT" "from-a"
  assert_contains "$RUN_OUT" "default via $NETPFX.1 dev eth0"
  assert_match "$RUN_OUT" "inet $NETPFX\.[0-9]+/24"
  # The MAC address follows the IP address (locally administered 02:ca + the IPv4 bytes).
  local pid
  pid=$(ct_pid "$ID-a")
  assert_contains "$(nsenter -t "$pid" -n ip -o link show eth0)" "02:ca:0a:c7:$(printf %02x "$OCTET"):0a"
  assert_eq "$NETPFX.10" "$(ctr_ip "$pid")"
  # And the host reaches it through the bridge.
  busybox ping -c1 -W2 "$NETPFX.10" >/dev/null || fail "the host cannot ping $NETPFX.10 through $BR"
  assert_eq "from-a" "$(timeout 5 busybox nc "$NETPFX.10" 7000 </dev/null)"
  assert_exit 0 carrel delete --force "$ID-a" # (b was deleted when its run ended)
  assert_eq "[]" "$(allocations)" "addresses after delete"
  assert_eq "" "$(host_veths)" "veths on $BR after delete"
}

test_published_port_reaches_container_from_host_loopback() {
  net_init
  net_create
  join
  config_set '.hostname = "pub"'
  config_set '.annotations["run.carrel.publish"] = $v' --arg v "$HOSTPORT:7000/tcp"
  sh_args "$SERVER"
  ct_run_detached "$ID"
  assert_contains "$(nft_rules_of "$NET")" "dport $HOSTPORT dnat"
  assert_eq 1 "$(cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" "route_localnet on $BR"
  local got=""
  got=$(timeout 5 busybox nc 127.0.0.1 "$HOSTPORT" </dev/null) || true
  assert_eq "from-pub" "$got" "reply through 127.0.0.1:$HOSTPORT"
  # A second container cannot publish the same host port.
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID-b"
  assert_error_line "$HOSTPORT/tcp" "$ID"
  assert_exit 0 carrel delete --force "$ID"
  assert_eq "" "$(nft_rules_of "$NET")" "rules after delete"
  assert_eq 0 "$(cat "/proc/sys/net/ipv4/conf/$BR/route_localnet")" "route_localnet after delete"
  assert_eq "[]" "$(allocations)"
  assert_eq "" "$(host_veths)"
  assert_nothing_left "$ID"
}

test_nat_rule_lives_while_the_network_has_users() {
  net_init
  local fwd
  fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  net_create --nat
  join
  set_args sleep 30
  ct_create "$ID"
  echo "$fwd" >/proc/sys/net/ipv4/ip_forward # --nat turned forwarding on: give the host its value back
  assert_contains "$(nft_rules_of "$NET")" "ip saddr $SUBNET ip daddr != $SUBNET masquerade"
  assert_exit 0 carrel delete --force "$ID"
  assert_eq "" "$(nft_rules_of "$NET")"
}

test_network_rm_is_refused_while_in_use() {
  net_init
  net_create
  join
  set_args sleep 30
  ct_create "$ID"
  assert_exit 1 carrel network rm "$NET"
  assert_error_line "$NET" "in use" "$ID"
  assert_exit 0 carrel delete --force "$ID"
  assert_exit 0 carrel network rm "$NET"
}

# The supervisor (or the whole host) died without a delete: the allocator names the container's
# state dir, so the address comes back once that dir is gone.
test_addresses_of_vanished_containers_are_reclaimed() {
  net_init
  net_create
  local f=$CARREL_DATA_DIR/networks/$NET.json
  jq --arg ip "$NETPFX.20" --arg root "$TEST_DIR/gone" \
    '.allocations += [{ip: $ip, root: $root, id: "ghost"}, {ip: "\($ip)1", root: $root, id: "ghost2"}]' "$f" >"$f.new"
  mv "$f.new" "$f"
  assert_exit 0 carrel network prune
  assert_eq "reclaimed 2 addresses" "$LAST_OUT"
  assert_eq "[]" "$(allocations)"
  # A create reclaims too: the address of a vanished container can be asked for again.
  jq --arg ip "$NETPFX.20" --arg root "$TEST_DIR/gone" '.allocations += [{ip: $ip, root: $root, id: "ghost"}]' \
    "$f" >"$f.new"
  mv "$f.new" "$f"
  join "$NET,ip=$NETPFX.20"
  set_args sleep 30
  ct_create "$ID"
  assert_eq "$NETPFX.20" "$(ctr_ip "$(ct_pid "$ID")")"
  # ... and an address in use is refused, naming it and its owner.
  assert_exit 1 carrel create --bundle "$BUNDLE" "$ID-b"
  assert_error_line "$NETPFX.20" "already taken" "$ID"
  assert_exit 0 carrel delete --force "$ID"
  assert_eq "[]" "$(allocations)"
}

test_concurrent_creates_get_distinct_addresses() {
  net_init
  net_create
  join
  set_args sleep 30
  config_set '.root.readonly = true'
  local i pids=() ips id
  for i in $(seq 1 50); do
    carrel create --bundle "$BUNDLE" "$ID-$i" </dev/null >"$TEST_DIR/c$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "create $ID-$((i + 1)) failed: $(cat "$TEST_DIR/c$((i + 1)).log")"
  done
  ips=$(for i in $(seq 1 50); do ctr_ip "$(ct_pid "$ID-$i")"; done | sort -u)
  assert_eq 50 "$(printf '%s\n' "$ips" | grep -c "^$NETPFX\.")" "distinct addresses inside the containers"
  assert_eq 50 "$(jq '[.allocations[].ip] | unique | length' "$CARREL_DATA_DIR/networks/$NET.json")"
  assert_eq 50 "$(host_veths | wc -l)"
  for i in $(seq 1 50); do
    carrel delete --force "$ID-$i" >/dev/null 2>&1 &
  done
  wait
  assert_eq "[]" "$(allocations)"
  assert_eq "" "$(host_veths)"
  for i in $(seq 1 50); do assert_no_file "$TEST_ROOT/$ID-$i"; done
}

test_ipv6_network_gives_the_container_an_address_and_a_route() {
  net_init
  net_create --ipv6 "fd99:$OCTET::/64"
  join "$NET,ip=$NETPFX.7"
  sh_args "ip -6 -o addr show eth0 scope global; ip -6 route show default; ping -6 -c1 -W2 fd99:$OCTET::1 >/dev/null && echo ping6-ok"
  run_ok "$ID"
  assert_contains "$RUN_OUT" "inet6 fd99:$OCTET::7/64"
  assert_contains "$RUN_OUT" "default via fd99:$OCTET::1 dev eth0"
  assert_contains "$RUN_OUT" "ping6-ok"
  assert_eq "[]" "$(allocations)"
}
