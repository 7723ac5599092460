# free_port [AVOID]: prints a TCP port of 127.0.0.1 that no socket uses
# (and that is not AVOID), or fails after 200 tries. The port is taken
# below the system's range of ephemeral ports, where the kernel picks the
# local end of each outgoing connection: a port from that range can be
# taken by some connection between this check and the moment the server
# meant for it binds, and the server then fails to start. Sourced by the
# demos, the end-to-end tests, the chaos soak and the benchmark.
free_port () {
    local p i low
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [[ $low =~ ^[0-9]+$ ]] && [ "$low" -gt 12000 ] || low=61000
    for i in $(seq 1 200); do
        p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (low - 10000) ))
        [ "$p" != "${1:-}" ] || continue
        [ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ] || continue
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
        echo "$p"
        return 0
    done
    return 1
}
