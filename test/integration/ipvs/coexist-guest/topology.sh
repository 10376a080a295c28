# Run by the VM's init in /payload for the coexistence test: the VM's root namespace is node n1 (IPVS, the
# agent, kube-proxy's rules); then guest.mjs main runs the scenarios.
#   cli   10.0.0.2-9/24 on c1 (default via n1 10.0.0.1) and 10.9.0.2/24 on k1 to rtr (an asymmetric way back)
#   rtr   10.9.0.1 (k0, to cli; routes 10.0.0.0/24 via cli) and 192.168.20.254 (u0, to n2): a router that is not n1
#   n1    10.0.0.1 (c0), 192.168.10.10 (n0, to n2), 10.42.1.1 (p0, to pod1); 10.42.2.0/24 via n2
#   n2    192.168.10.102 (n1), 192.168.20.2 (u1, default via rtr), 10.42.2.1 (p0, to pod2); 10.42.1.0/24 via n1
#   pod1  10.42.1.11 on n1 (default via 10.42.1.1); pod2 10.42.2.12 on n2 (default via 10.42.2.1)
# pod2's own default route goes n2 -> rtr -> cli, never through n1: without SNAT its answer bypasses n1.
set -e
ip() { /usr/sbin/ip "$@"; }
for ns in cli rtr n2 pod1 pod2; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add c0 type veth peer name c1 netns cli
ip -n cli link add k1 type veth peer name k0 netns rtr
ip -n rtr link add u0 type veth peer name u1 netns n2
ip link add n0 type veth peer name n1 netns n2
ip link add p0 type veth peer name e1 netns pod1
ip -n n2 link add p0 type veth peer name e1 netns pod2
addr() { ns=$1; dev=$2; shift 2; for a in "$@"; do ip -n $ns addr add $a dev $dev; done; ip -n $ns link set $dev up; }
ip addr add 10.0.0.1/24 dev c0; ip link set c0 up
ip addr add 192.168.10.10/24 dev n0; ip link set n0 up
ip addr add 10.42.1.1/24 dev p0; ip link set p0 up
addr cli c1 10.0.0.2/24 10.0.0.3/24 10.0.0.4/24 10.0.0.5/24 10.0.0.6/24 10.0.0.7/24 10.0.0.8/24 10.0.0.9/24
addr cli k1 10.9.0.2/24
addr rtr k0 10.9.0.1/24
addr rtr u0 192.168.20.254/24
addr n2 n1 192.168.10.102/24
addr n2 u1 192.168.20.2/24
addr n2 p0 10.42.2.1/24
addr pod1 e1 10.42.1.11/24
addr pod2 e1 10.42.2.12/24
ip -n cli route add default via 10.0.0.1
ip -n rtr route add 10.0.0.0/24 via 10.9.0.2
ip -n n2 route add default via 192.168.20.254
ip -n n2 route add 10.42.1.0/24 via 192.168.10.10
ip route add 10.42.2.0/24 via 192.168.10.102
ip -n pod1 route add default via 10.42.1.1
ip -n pod2 route add default via 10.42.2.1
sysctl -q -w net.ipv4.ip_forward=1
ip netns exec rtr sysctl -q -w net.ipv4.ip_forward=1
ip netns exec n2 sysctl -q -w net.ipv4.ip_forward=1
# values the agent must give back after a teardown (the kernel's defaults are 0, 0, 0)
sysctl -q -w net.ipv4.conf.all.arp_announce=1
# the pods: each answers with its address and the client address it saw, then echoes
ip netns exec pod1 node /payload/vm/traffic/traffic.mjs server 10.42.1.11 > /tmp/pod1.log 2>&1 &
ip netns exec pod2 node /payload/vm/traffic/traffic.mjs server 10.42.2.12 > /tmp/pod2.log 2>&1 &
for i in $(seq 1 200); do grep -q SERVER-READY /tmp/pod1.log && grep -q SERVER-READY /tmp/pod2.log && break; sleep 0.1; done
grep -q SERVER-READY /tmp/pod1.log && grep -q SERVER-READY /tmp/pod2.log || { echo "@@RESULT error \"pods did not start\""; cat /tmp/pod*.log; exit 1; }
node /payload/guest.mjs main
