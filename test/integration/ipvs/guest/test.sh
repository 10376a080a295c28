# Run by the VM's init in /payload: the topology, the real servers, then the scenarios (guest.mjs main).
set -e
# busybox's shell prefers its own applets to PATH: call iproute2 by path
ip() { /usr/sbin/ip "$@"; }
sysctl -q -w net.ipv4.ip_forward=1
ip netns add cli
ip netns add srv
ip link add c0 type veth peer name c1 netns cli
ip link add s0 type veth peer name s1 netns srv
ip addr add 10.0.0.1/24 dev c0
ip addr add 10.1.0.1/24 dev s0
ip link set c0 up
ip link set s0 up
ip -n cli link set lo up
ip -n srv link set lo up
for i in 2 3 4 5 6 7 8 9; do ip -n cli addr add 10.0.0.$i/24 dev c1; done
for i in 11 12 13 14; do ip -n srv addr add 10.1.0.$i/24 dev s1; done
ip -n cli link set c1 up
ip -n srv link set s1 up
ip -n cli route add default via 10.0.0.1
ip -n srv route add default via 10.1.0.1
ip netns exec srv node /payload/guest.mjs server 10.1.0.11 10.1.0.12 10.1.0.13 10.1.0.14 > /tmp/server.log 2>&1 &
for i in $(seq 1 100); do grep -q SERVER-READY /tmp/server.log && break; sleep 0.1; done
grep -q SERVER-READY /tmp/server.log || { echo "@@RESULT error \"server did not start\""; cat /tmp/server.log; exit 1; }
node /payload/guest.mjs main
