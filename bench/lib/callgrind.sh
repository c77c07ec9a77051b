# Shared by the callgrind measurements (log_instructions.sh, keepalive_instructions.sh):
# an nginx backend answering "hello", and a one-listener Splicer config in front of it.
# Sourced after `work` (a scratch folder) is set.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts nginx on a free port; sets backend_port and nginx_pid and stops nginx at exit.
start_hello_backend() {
  backend_port=$(free_port)
  cat >"$work/nginx.conf" <<NGINX
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000; server { listen 127.0.0.1:$backend_port; location / { return 200 "hello\n"; } } }
NGINX
  nginx -c "$work/nginx.conf" -p "$work" &
  nginx_pid=$!
  trap 'kill $nginx_pid 2>/dev/null || true' EXIT
}

# Writes $work/splicer.yaml: one worker, listener `web` on 127.0.0.1:$1, the backend as its
# pool, and `access_log` set to $2 (default true).
write_splicer_config() {
  cat >"$work/splicer.yaml" <<YAML
workers: 1
listeners:
  - name: web
    bind: 127.0.0.1:$1
    pool: app
pools:
  app:
    servers:
      - address: 127.0.0.1:$backend_port
log: { level: info, format: json, access_log: ${2:-true} }
YAML
}
