# shellcheck shell=bash
# Backends and relays for bench/run.sh. Sourced, not executed.
#
# Every relay gets three listeners, one per backend:
#   base+0 -> iperf3 server      (bulk throughput, CPU per GB)
#   base+1 -> nginx HTTP server  (new connections/s, keep-alive requests/s)
#   base+2 -> idle holder        (RSS and fds per idle connection)
# Relays run pinned to RELAY_CPU with RELAY_WORKERS [1] workers/threads; backends and load
# generators run on LOAD_CPU. With ACCESS_LOG=1 each relay writes one line per connection to
# its log file (Splicer's access log, HAProxy's tcplog, nginx's stream access_log). A start
# function leaves RELAY_PID (the process to signal), RELAY_MEASURE_PID (the process that relays:
# CPU, RSS and fds are read from it), RELAY_MEASURE_PIDS (every process that relays: nginx's
# workers) and RELAY_LOG behind.

RELAY_PID=""
RELAY_MEASURE_PID=""
RELAY_MEASURE_PIDS=""
RELAY_LOG=""

# Sets P_IPERF, P_HTTP and P_HOLD: the ports a client uses to reach each backend through RELAY.
relay_ports() {
  local base
  case $1 in
    direct) base=$BASE_PORT ;;
    splicer) base=$((BASE_PORT + 10)) ;;
    splicer-copy) base=$((BASE_PORT + 20)) ;;
    haproxy) base=$((BASE_PORT + 30)) ;;
    nginx) base=$((BASE_PORT + 40)) ;;
    *) die "unknown relay '$1' (known: direct splicer splicer-copy haproxy nginx)" ;;
  esac
  P_IPERF=$base
  P_HTTP=$((base + 1))
  P_HOLD=$((base + 2))
}

# ---------------------------------------------------------------------------------------------
# Backends (started once, kept for the whole run)
# ---------------------------------------------------------------------------------------------
start_backends() {
  relay_ports direct
  require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"

  log "starting backends on CPU $LOAD_CPU: iperf3 :$P_IPERF, nginx HTTP :$P_HTTP, idle holder :$P_HOLD"
  spawn "$LOAD_CPU" "$WORKDIR/iperf3-server.log" iperf3 -s -B 127.0.0.1 -p "$P_IPERF"
  local iperf_pid=$SPAWNED_PID

  local dir=$WORKDIR/http-backend
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
# HTTP backend for the new-connection and keep-alive tests: one small static response.
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path $dir/tmp-body;
  proxy_temp_path $dir/tmp-proxy;
  fastcgi_temp_path $dir/tmp-fastcgi;
  uwsgi_temp_path $dir/tmp-uwsgi;
  scgi_temp_path $dir/tmp-scgi;
  server {
    listen 127.0.0.1:$P_HTTP backlog=4096;
    location / {
      default_type text/plain;
      return 200 "hello from the splicer benchmark backend\n";
    }
  }
}
CONF
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/logs/test.log" 2>&1 ||
    { show_log "$dir/logs/test.log"; die "nginx HTTP backend config rejected"; }
  spawn "$LOAD_CPU" "$dir/logs/stdout.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  local http_pid=$SPAWNED_PID

  spawn "$LOAD_CPU" "$WORKDIR/holder.log" python3 "$BENCH_DIR/idle_conns.py" hold --port "$P_HOLD"
  local holder_pid=$SPAWNED_PID

  wait_for_ports "iperf3 server" "$iperf_pid" "$WORKDIR/iperf3-server.log" 10 "$P_IPERF"
  wait_for_ports "nginx HTTP backend" "$http_pid" "$dir/logs/error.log" 10 "$P_HTTP"
  track_children "$http_pid"
  wait_for_ports "idle holder" "$holder_pid" "$WORKDIR/holder.log" 10 "$P_HOLD"
  smoke_test direct
}

# Adds the children of a process (nginx workers) to the cleanup list; the first child's pid is
# left in FIRST_CHILD, all of them in CHILDREN (not printed: a command substitution would lose
# the bookkeeping).
FIRST_CHILD=""
CHILDREN=""
# usage: track_children PARENT [COUNT]   (waits, bounded, for COUNT children, default 1)
track_children() {
  local parent=$1 want=${2:-1} children="" tries=0 child
  local -a list=()
  while ((${#list[@]} < want)) && ((tries < 100)); do
    children=$(cat "/proc/$parent/task/$parent/children" 2>/dev/null || true)
    read -ra list <<<"$children"
    ((${#list[@]} >= want)) || sleep 0.05
    tries=$((tries + 1))
  done
  [[ -n $children ]] || die "nginx master $parent started no worker"
  for child in $children; do track_pid "$child"; done
  FIRST_CHILD=${children%% *}
  CHILDREN=$children
}

# One HTTP request through the relay: proves the relay forwards before anything is measured.
smoke_test() {
  local relay=$1 body
  relay_ports "$relay"
  body=$(curl -sS --max-time 5 "http://127.0.0.1:$P_HTTP/" 2>&1) ||
    { show_log "$RELAY_LOG"; die "$relay: HTTP request through 127.0.0.1:$P_HTTP failed: $body"; }
  [[ $body == "hello from the splicer benchmark backend" ]] ||
    die "$relay: unexpected HTTP body through 127.0.0.1:$P_HTTP: $body"
}

# ---------------------------------------------------------------------------------------------
# Relays
# ---------------------------------------------------------------------------------------------

# usage: start_splicer splice|copy
start_splicer() {
  local mode=$1 name cfg
  name=$([[ $mode == splice ]] && echo splicer || echo splicer-copy)
  relay_ports "$name"
  require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  local backend_iperf=$BASE_PORT backend_http=$((BASE_PORT + 1)) backend_hold=$((BASE_PORT + 2))
  cfg=$WORKDIR/$name.yaml
  cat >"$cfg" <<CONF
workers: ${RELAY_WORKERS:-1}
listeners:
  - { name: bulk, bind: "127.0.0.1:$P_IPERF", pool: bulk, mode: $mode }
  - { name: http, bind: "127.0.0.1:$P_HTTP", pool: http, mode: $mode }
  - { name: idle, bind: "127.0.0.1:$P_HOLD", pool: idle, mode: $mode }
pools:
  bulk: { servers: [ { address: "127.0.0.1:$backend_iperf" } ] }
  http: { servers: [ { address: "127.0.0.1:$backend_http" } ] }
  idle: { servers: [ { address: "127.0.0.1:$backend_hold" } ] }
timeouts: { connect: 5s, idle: 10m }
tuning: { pipe_size: 1MiB, pipe_pool: 64, copy_buffer: 64KiB }
log: $([[ ${ACCESS_LOG:-0} == 1 ]] && echo "{ level: info, format: json, access_log: true }" ||
    echo "{ level: notice, format: json, access_log: false }")
CONF
  RELAY_LOG=$WORKDIR/$name.log
  "$SPLICER_BIN" check --config "$cfg" >"$RELAY_LOG" 2>&1 ||
    { show_log "$RELAY_LOG"; die "$name: 'splicer check' rejected $cfg"; }
  spawn "$RELAY_CPU" "$RELAY_LOG" "$SPLICER_BIN" run --config "$cfg"
  RELAY_PID=$SPAWNED_PID
  RELAY_MEASURE_PID=$SPAWNED_PID
  RELAY_MEASURE_PIDS=$SPAWNED_PID
  wait_for_ports "$RELAY_NAME" "$RELAY_PID" "$RELAY_LOG" 15 "$P_IPERF" "$P_HTTP" "$P_HOLD"
  # Splicer's own readiness signal: one "listener bound" line per listener.
  local deadline=$((SECONDS + 10))
  until (($(grep -c '"message":"listener bound"' "$RELAY_LOG" || true) >= 3)); do
    ((SECONDS < deadline)) || { show_log "$RELAY_LOG"; die "$name did not come up: no 'listener bound' log lines"; }
    sleep 0.1
  done
}

start_haproxy() {
  relay_ports haproxy
  require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  local dir=$WORKDIR/haproxy cfg
  mkdir -p "$dir"
  cfg=$dir/haproxy.cfg
  local global_log="" defaults_log=""
  if [[ ${ACCESS_LOG:-0} == 1 ]]; then
    # Straight to stdout (the relay's log file), no syslog daemon in between.
    global_log="log stdout format raw local0"
    defaults_log=$'log global\n  option tcplog'
  fi
  # maxconn 8000 with maxpipes 1000 needs ~18000 fds, under the 20000 hard limit.
  cat >"$cfg" <<CONF
global
  nbthread ${RELAY_WORKERS:-1}
  maxconn $HAPROXY_MAXCONN
  maxpipes 1000
  tune.pipesize 1048576
  $global_log

defaults
  mode tcp
  option splice-request
  option splice-response
  $defaults_log
  maxconn $HAPROXY_MAXCONN
  timeout connect 5s
  timeout client 10m
  timeout server 10m

listen bulk
  bind 127.0.0.1:$P_IPERF
  server iperf3 127.0.0.1:$BASE_PORT

listen http
  bind 127.0.0.1:$P_HTTP
  server nginx 127.0.0.1:$((BASE_PORT + 1))

listen idle
  bind 127.0.0.1:$P_HOLD
  server holder 127.0.0.1:$((BASE_PORT + 2))
CONF
  RELAY_LOG=$dir/haproxy.log
  haproxy -c -f "$cfg" >"$RELAY_LOG" 2>&1 || { show_log "$RELAY_LOG"; die "haproxy rejected $cfg"; }
  spawn "$RELAY_CPU" "$RELAY_LOG" haproxy -db -f "$cfg"
  RELAY_PID=$SPAWNED_PID
  RELAY_MEASURE_PID=$SPAWNED_PID
  RELAY_MEASURE_PIDS=$SPAWNED_PID
  wait_for_ports "$RELAY_NAME" "$RELAY_PID" "$RELAY_LOG" 15 "$P_IPERF" "$P_HTTP" "$P_HOLD"
}

start_nginx_relay() {
  relay_ports nginx
  require_ports_free "$P_IPERF" "$P_HTTP" "$P_HOLD"
  local dir=$WORKDIR/nginx-relay
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
load_module $NGINX_STREAM_MODULE;
worker_processes ${RELAY_WORKERS:-1};
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log notice;
events { worker_connections 19000; }
stream {
  proxy_connect_timeout 5s;
  proxy_timeout 10m;
  $([[ ${ACCESS_LOG:-0} == 1 ]] && echo "log_format basic '\$remote_addr \$status \$bytes_sent \$bytes_received \$session_time'; access_log $dir/logs/access.log basic;")
  server { listen 127.0.0.1:$P_IPERF backlog=4096; proxy_pass 127.0.0.1:$BASE_PORT; }
  server { listen 127.0.0.1:$P_HTTP backlog=4096; proxy_pass 127.0.0.1:$((BASE_PORT + 1)); }
  server { listen 127.0.0.1:$P_HOLD backlog=4096; proxy_pass 127.0.0.1:$((BASE_PORT + 2)); }
}
CONF
  RELAY_LOG=$dir/logs/error.log
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$RELAY_LOG" >"$dir/logs/test.log" 2>&1 ||
    { show_log "$dir/logs/test.log"; die "nginx rejected the stream relay config"; }
  # The master is what we signal; the single worker is what relays, so it is what we measure.
  spawn "$RELAY_CPU" "$dir/logs/stdout.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$RELAY_LOG"
  RELAY_PID=$SPAWNED_PID
  wait_for_ports "$RELAY_NAME" "$RELAY_PID" "$RELAY_LOG" 15 "$P_IPERF" "$P_HTTP" "$P_HOLD"
  track_children "$RELAY_PID" "${RELAY_WORKERS:-1}"
  RELAY_MEASURE_PID=$FIRST_CHILD
  RELAY_MEASURE_PIDS=$CHILDREN
}

# Starts RELAY (or nothing for "direct") and checks that it forwards.
start_relay() {
  local relay=$1
  RELAY_NAME=$relay RELAY_PID="" RELAY_MEASURE_PID="" RELAY_MEASURE_PIDS="" RELAY_LOG=""
  case $relay in
    direct) ;;
    splicer) start_splicer splice ;;
    splicer-copy) start_splicer copy ;;
    haproxy) start_haproxy ;;
    nginx) start_nginx_relay ;;
    *) die "unknown relay '$relay'" ;;
  esac
  smoke_test "$relay"
}

stop_relay() {
  [[ -n $RELAY_PID ]] || return 0
  stop_pid "$RELAY_PID" 10
  local pid
  for pid in $RELAY_MEASURE_PIDS; do
    [[ $pid == "$RELAY_PID" ]] || stop_pid "$pid" 2
  done
  RELAY_PID="" RELAY_MEASURE_PID="" RELAY_MEASURE_PIDS=""
}
