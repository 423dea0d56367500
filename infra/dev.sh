#!/usr/bin/env bash
# SocialCare Hub developer entry point: one command to run the hub, one to test it.
#   ./infra/dev.sh deps   install missing packages, start throwaway PostgreSQL + RabbitMQ (or reuse the ones running)
#   ./infra/dev.sh run    deps, then the hub in the foreground, in the Development environment
#   ./infra/dev.sh env    the export lines another terminal needs: eval "$(./infra/dev.sh env)"
#   ./infra/dev.sh test   deps, then the whole test suite, ending with "N passed, M failed"
#   ./infra/dev.sh bench  deps, then the benchmark in Release (prints its figures; --seconds N --rates R1,R2 --batch-size B --authors A --webhook-rate W)
#   ./infra/dev.sh demo   deps, then one customer's story across channels and departments (hub, fake platforms, the four samples)
#   ./infra/dev.sh contracts  regenerate contracts/ (OpenAPI, event JSON Schemas, AsyncAPI, the C# client) from the code
#   ./infra/dev.sh chaos  two hubs behind HAProxy on a PostgreSQL and a RabbitMQ of its own, under load and faults;
#                         prints what was accepted, stored, published, delivered and lost (--engagements N --rate R --short);
#                         --cluster: on a three-node RabbitMQ cluster with quorum queues, one node killed instead
#   ./infra/dev.sh soak   one hub (Release) under a steady load; its working set and GC heap every 30 s (--minutes N --rate R)
#   ./infra/dev.sh stop   stop what deps started
# Everything is idempotent: a second `deps` (from this checkout or another) finds both servers running and reuses them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The chaos run stops and restarts its servers: it gets a PostgreSQL and a RabbitMQ of its own, on ports of its own
# (SOCIALCARE_CHAOS_PG_PORT, SOCIALCARE_CHAOS_RABBIT_PORT), whatever the shell says about the development ones.
case "${1:-}" in
  chaos | chaos-fault)
    SOCIALCARE_PG_PORT=${SOCIALCARE_CHAOS_PG_PORT:-56432} SOCIALCARE_RABBIT_PORT=${SOCIALCARE_CHAOS_RABBIT_PORT:-56672}
    unset SOCIALCARE_RABBIT_DIST_PORT SOCIALCARE_RABBIT_NODE SOCIALCARE_PG_DIR SOCIALCARE_RABBIT_DIR SOCIALCARE_KEYS_DIR
    unset ConnectionStrings__Postgres RabbitMq__Host RabbitMq__Port RabbitMq__VirtualHost SOCIALCARE_CHAOS_RABBIT_NODES
    ;;
esac
DATA=${SOCIALCARE_DATA_DIR:-$ROOT/.data}
PG_PORT=${SOCIALCARE_PG_PORT:-55432}
RABBIT_PORT=${SOCIALCARE_RABBIT_PORT:-55672}
RABBIT_DIST_PORT=${SOCIALCARE_RABBIT_DIST_PORT:-$((RABBIT_PORT + 1))}
RABBIT_NODE=${SOCIALCARE_RABBIT_NODE:-socialcare-$RABBIT_PORT@localhost}
# PostgreSQL runs as the postgres user, which may not be able to reach a checkout under a
# root-only directory: its cluster lives outside the checkout, one directory per port.
PG_HOME=${SOCIALCARE_PG_DIR:-/var/tmp/socialcare-pg-$PG_PORT}
PG_DB=${SOCIALCARE_PG_DATABASE:-socialcare}
# RabbitMQ's state (and its Erlang cookie) lives outside the checkout too, one directory per port, so that a second
# checkout finds the broker the first one started and can talk to it, as it finds PostgreSQL.
RABBIT_HOME=${SOCIALCARE_RABBIT_DIR:-/var/tmp/socialcare-rabbit-$RABBIT_PORT}
# The development keys (admin, demo, secrets) belong to the database they were used with: kept beside it, one set per
# PostgreSQL port, every checkout using that database uses the same keys (and the same "Demo" workspace).
KEYS=${SOCIALCARE_KEYS_DIR:-/var/tmp/socialcare-keys-$PG_PORT}

log() { printf '\033[1;34m[dev]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[dev]\033[0m %s\n' "$*" >&2; exit 1; }

# The last lines of a server's logs, if there are any: printed before a failure's reason, never failing itself.
show_logs() {
  local file
  for file in "$@"; do
    [ -s "$file" ] && { printf -- '--- %s\n' "$file" >&2; tail -n 20 "$file" >&2 || true; }
  done
  return 0
}

# Whether something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# What holds a port, for a message: "beam.smp (pid 123)", or "another process" when ss cannot say.
port_holder() {
  local line
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 || true)
  if [ -n "$line" ]; then
    printf '%s (pid %s)' "$(printf '%s' "$line" | sed -E 's/users:\(\("([^"]*)".*/\1/')" "${line##*pid=}"
  else
    printf 'another process'
  fi
}

# One clear line when a port is taken by something this script cannot use.
port_taken() { die "port $1 is held by $(port_holder "$1"), which is not $2; stop it, or move ours with $3=<another port>"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
rabbit_sbin() { ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | sort -V | tail -n 1; }

install_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  [ -n "$(rabbit_sbin)" ] || missing+=(rabbitmq-server)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null ||
      die "missing ${missing[*]}; this script installs them with apt-get on Debian/Ubuntu only. Install them yourself, or use infra/docker-compose.yml."
    log "installing ${missing[*]} (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the packaged broker/cluster on the default ports; ours are separate, leave them be.
  fi
  command -v dotnet >/dev/null || die "the .NET SDK (10.0) is not on PATH: https://dot.net"
}

pg_ctl_as_postgres() { as_root su postgres -s /bin/sh -c "$*"; }

# A PostgreSQL on our port that lets user postgres in is used as it is (another checkout's, or one started by hand).
postgres_answers() { PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'select 1' 2>/dev/null | grep -qx 1; }

start_postgres() {
  local bin; bin=$(pg_bin)
  if pg_ctl_as_postgres "'$bin/pg_ctl' -D '$PG_HOME/data' status" >/dev/null 2>&1 || postgres_answers; then
    log "PostgreSQL already running on port $PG_PORT"
  elif listening "$PG_PORT"; then
    port_taken "$PG_PORT" "a PostgreSQL that lets user postgres in" SOCIALCARE_PG_PORT
  else
    as_root mkdir -p "$PG_HOME"
    as_root chown postgres:postgres "$PG_HOME"
    as_root chmod 700 "$PG_HOME"
    if [ ! -f "$PG_HOME/data/PG_VERSION" ]; then
      log "initialising PostgreSQL cluster in $PG_HOME/data"
      pg_ctl_as_postgres "'$bin/initdb' -D '$PG_HOME/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null ||
        die "initdb failed for $PG_HOME/data (is the directory writable by the postgres user?)"
    fi
    rm -f "$PG_HOME/data/postmaster.pid" 2>/dev/null || true
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_ctl_as_postgres "'$bin/pg_ctl' -D '$PG_HOME/data' -l '$PG_HOME/server.log' -w -t 60 start -o \"-p $PG_PORT -k '$PG_HOME' -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements -c track_commit_timestamp=on\"" >/dev/null ||
      { show_logs "$PG_HOME/server.log"; die "PostgreSQL did not start on port $PG_PORT (its log is above; SOCIALCARE_PG_PORT moves it)"; }
  fi
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$PG_DB'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database \"$PG_DB\"" >/dev/null || die "could not create database $PG_DB"
  fi
}

rabbit_env() {
  export RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$RABBIT_PORT RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT \
    RABBITMQ_MNESIA_BASE=$RABBIT_HOME/mnesia RABBITMQ_LOG_BASE=$RABBIT_HOME/log \
    RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_HOME/enabled_plugins RABBITMQ_PID_FILE=$RABBIT_HOME/rabbit.pid \
    RABBITMQ_CONFIG_FILE=$RABBIT_HOME/rabbitmq HOME=$RABBIT_HOME/home
  # Erlang schedulers spin while idle by default; on a small machine shared with PostgreSQL and the hub that
  # spinning takes CPU the others need.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
}

rabbitmqctl_() { ( rabbit_env; "$(rabbit_sbin)/rabbitmqctl" -q -n "$RABBIT_NODE" "$@" ); }

# Ours: our node answers a ping with our cookie (whichever checkout started it).
rabbit_running() { listening "$RABBIT_PORT" && ( rabbit_env; "$(rabbit_sbin)/rabbitmq-diagnostics" -q -n "$RABBIT_NODE" ping ) >/dev/null 2>&1; }

# The checkout whose older dev.sh started the broker on a port (its state under that checkout's .data/), if it was one.
older_checkout_of() {
  local pid; pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)
  [ -n "$pid" ] || return 0
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -x '.*/\.data/rabbitmq-[0-9]*/home' | head -n 1 | sed -E 's|/\.data/rabbitmq-[0-9]+/home$||' || true
}

# A broker that an older dev.sh started keeps its state (and cookie) under a checkout's .data/: while it runs, it is
# used where it is; once stopped, the next start moves to RABBIT_HOME.
adopt_older_rabbit() {
  local older=$DATA/rabbitmq-$RABBIT_PORT current=$RABBIT_HOME
  [ -z "${SOCIALCARE_RABBIT_DIR:-}" ] && [ "$older" != "$current" ] && [ -s "$older/home/.erlang.cookie" ] || return 1
  RABBIT_HOME=$older
  rabbit_running && return 0
  RABBIT_HOME=$current
  return 1
}

# --no-wait: launched, not waited for (a cluster's nodes must boot together: each waits for the others' tables).
start_rabbitmq() {
  local sbin; sbin=$(rabbit_sbin)
  if rabbit_running || adopt_older_rabbit; then
    log "RabbitMQ already running on port $RABBIT_PORT (node $RABBIT_NODE)"
    return
  fi
  if listening "$RABBIT_PORT"; then
    local older; older=$(older_checkout_of "$RABBIT_PORT")
    [ -z "$older" ] || die "port $RABBIT_PORT is held by the RabbitMQ an older dev.sh started from $older; stop it with $older/infra/dev.sh stop (the next start keeps its state in $RABBIT_HOME, where every checkout finds it)"
    port_taken "$RABBIT_PORT" "RabbitMQ node $RABBIT_NODE with the cookie in $RABBIT_HOME/home" SOCIALCARE_RABBIT_PORT
  fi
  listening "$RABBIT_DIST_PORT" && port_taken "$RABBIT_DIST_PORT" "free for RabbitMQ's distribution" SOCIALCARE_RABBIT_DIST_PORT
  mkdir -p "$RABBIT_HOME"/{mnesia,log,home}
  echo '[].' >"$RABBIT_HOME/enabled_plugins"
  # Our own (empty) config file so that /etc/rabbitmq never leaks into the throwaway node.
  printf 'loopback_users.guest = true\n' >"$RABBIT_HOME/rabbitmq.conf"
  rm -f "$RABBIT_HOME/rabbit.pid"
  log "starting RabbitMQ node $RABBIT_NODE on 127.0.0.1:$RABBIT_PORT (state in $RABBIT_HOME)"
  # Started from its own directory: a node whose working directory is a deleted checkout cannot run a command any more.
  ( cd "$RABBIT_HOME"; rabbit_env; "$sbin/rabbitmq-server" -detached ) ||
    { show_logs "$RABBIT_HOME"/log/*.log; die "RabbitMQ did not start (rabbitmq-server failed)"; }
  [ "${1:-}" != --no-wait ] || return 0
  wait_rabbitmq
}

wait_rabbitmq() {
  rabbitmqctl_ wait "$RABBIT_HOME/rabbit.pid" --timeout 90 >/dev/null ||
    { show_logs "$RABBIT_HOME"/log/*.log; die "RabbitMQ did not start on port $RABBIT_PORT within 90 s (its log is above, if it wrote one; SOCIALCARE_RABBIT_PORT moves it)"; }
}

# Tests and benchmarks get a RabbitMQ virtual host of their own: their exchanges never reach the durable queues a dev
# hub (`run`) declared in the default one, which would otherwise collect every test event while no dev hub consumes them.
TEST_VHOST=socialcare-test
ensure_test_vhost() {
  rabbitmqctl_ list_vhosts name 2>/dev/null | grep -qx "$TEST_VHOST" || rabbitmqctl_ add_vhost "$TEST_VHOST" >/dev/null
  rabbitmqctl_ set_permissions -p "$TEST_VHOST" guest '.*' '.*' '.*' >/dev/null
  export RabbitMq__VirtualHost=$TEST_VHOST
}

stop_all() {
  local bin sbin; bin=$(pg_bin); sbin=$(rabbit_sbin)
  if [ -n "$bin" ] && [ -d "$PG_HOME/data" ]; then
    pg_ctl_as_postgres "'$bin/pg_ctl' -D '$PG_HOME/data' -m fast stop" >/dev/null 2>&1 && log "PostgreSQL stopped" || true
  fi
  if [ -n "$sbin" ] && { rabbit_running || adopt_older_rabbit; }; then
    rabbitmqctl_ stop "$RABBIT_HOME/rabbit.pid" >/dev/null 2>&1 && log "RabbitMQ stopped" || true
  fi
}

# Our fixed ports lie in Linux's ephemeral range: a client connection that happened to be given one as its source
# port leaves it in TIME_WAIT for a minute after it closes, and a server started meanwhile cannot bind it
# (RabbitMQ failed with eaddrinuse right after a test run). Reserve them, where the kernel lets us.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current port
  [ -w "$file" ] || return 0
  current=$(cat "$file")
  for port in "$PG_PORT" "$RABBIT_PORT" "$RABBIT_DIST_PORT"; do
    case ",$current," in *",$port,"*) ;; *) current=${current:+$current,}$port ;; esac
  done
  echo "$current" >"$file" 2>/dev/null || true
}

deps() {
  install_packages
  mkdir -p "$DATA"
  start_postgres
  start_rabbitmq
  reserve_ports
}

export_connection_settings() {
  export ConnectionStrings__Postgres=${ConnectionStrings__Postgres:-"Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$PG_DB"}
  export RabbitMq__Host=${RabbitMq__Host:-127.0.0.1} RabbitMq__Port=${RabbitMq__Port:-$RABBIT_PORT}
  export RabbitMq__Username=${RabbitMq__Username:-guest} RabbitMq__Password=${RabbitMq__Password:-guest}
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# A development key, kept with the database it is used with (see KEYS) so that it works across restarts and checkouts.
# One a checkout of an older layout made under its .data/ is taken over: the dev database still needs it.
persistent_key() {
  local file=$KEYS/$1; shift
  if [ ! -s "$file" ]; then
    mkdir -p "$KEYS" && chmod 700 "$KEYS"
    if [ -s "$DATA/$(basename "$file")" ]; then cp "$DATA/$(basename "$file")" "$file"; else "$@" >"$file"; fi
    chmod 600 "$file"
  fi
  cat "$file"
}

new_api_key() { printf '%s%s' "$1" "$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)"; }
new_cipher_key() { head -c 32 /dev/urandom | base64; }

# The key that encrypts stored secrets (channel tokens, webhook signing secrets): the base64 of 32 random bytes, kept
# with the dev database so that it stays readable across restarts and checkouts. Every hub this script starts gets it.
export_secrets_key() {
  export Secrets__Keys__dev=${Secrets__Keys__dev:-$(persistent_key secrets-key new_cipher_key)} Secrets__ActiveKey=${Secrets__ActiveKey:-dev}
}

export_dev_keys() {
  export Admin__ApiKey=${Admin__ApiKey:-$(persistent_key admin-key new_api_key sch_admin_)}
  export Demo__ApiKey=${Demo__ApiKey:-$(persistent_key demo-key new_api_key sch_)}
}

hub_url() {
  local url=${ASPNETCORE_URLS:-http://127.0.0.1:8080}
  url=${url%%;*}
  url=${url/0.0.0.0/127.0.0.1}; url=${url/\[::\]/127.0.0.1}; url=${url/+/127.0.0.1}; url=${url/\*/127.0.0.1}
  printf '%s' "$url"
}

# What a second terminal needs to follow the README's walk-through: eval "$(./infra/dev.sh env)".
print_env() {
  export_dev_keys
  printf 'export HUB=%s ADMIN=%s DEMO=%s\n' "$(hub_url)" "$Admin__ApiKey" "$Demo__ApiKey"
}

run_hub() {
  deps
  export_connection_settings
  export_secrets_key
  export_dev_keys
  export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://127.0.0.1:8080}
  # Development: webhooks to a receiver on this machine and channels pointed at a local fake platform are allowed, and
  # Swagger is served (src/SocialCare.Api/appsettings.Development.json). A deployment runs as Production: neither.
  export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
  local url; url=$(hub_url)
  log "building the hub"
  dotnet build "$ROOT/src/SocialCare.Api" -c Release -v q -nologo >/dev/null || dotnet build "$ROOT/src/SocialCare.Api" -c Release -nologo ||
    die "the hub does not build (the errors are above)"
  dotnet run --project "$ROOT/src/SocialCare.Api" -c Release --no-build --no-launch-profile &
  local hub=$!
  trap 'kill -TERM $hub 2>/dev/null; wait $hub 2>/dev/null' INT TERM
  for _ in $(seq 1 120); do
    kill -0 $hub 2>/dev/null || { wait $hub || die "the hub stopped while starting (its log is above)"; exit 0; }
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then
      cat <<EOF

  SocialCare Hub is ready at $url ($ASPNETCORE_ENVIRONMENT)
    Swagger UI      $url/swagger
    OpenAPI         $url/swagger/v1/swagger.json

  In another terminal (from any directory), to follow the README's walk-through:

    $(print_env)

  Try:  curl -H "Authorization: Bearer \$DEMO" \$HUB/v1/me

EOF
      break
    fi
    sleep 0.5
  done
  wait $hub
}

# The contract checks in the suite (Redocly CLI and @asyncapi/parser, pinned in contracts/package-lock.json) need
# Node.js 20.19 or later and those packages; npm ci runs only when the lock file is newer than what is installed.
ensure_contract_tools() {
  command -v node >/dev/null && command -v npm >/dev/null || {
    log "installing nodejs npm (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  }
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old for the contract lint (Redocly CLI needs 20.19 or later): install a newer one"
  local dir="$ROOT/contracts"
  if [ ! -x "$dir/node_modules/.bin/redocly" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci failed in contracts/ (is the npm registry reachable?)"
  fi
}

run_tests() {
  deps
  ensure_contract_tools
  export_connection_settings
  ensure_test_vhost
  local out; out=$(mktemp)
  set +e
  dotnet test "$ROOT/SocialCareApi.sln" -nologo "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  set -e
  # Sum the per-assembly lines: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..."
  local summary
  summary=$(grep -E '^(Passed|Failed)! +- +Failed:' "$out" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' |
    awk '{f+=$1; p+=$2; s+=$3} END {printf "%d %d %d", p, f, s}' || true)
  rm -f "$out"
  read -r passed failed skipped <<<"${summary:-0 0 0}"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build error or crashed run counts as a failure
  if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
  [ "$rc" -eq 0 ]
}

run_bench() {
  deps
  export_connection_settings
  export_secrets_key
  ensure_test_vhost
  dotnet run --project "$ROOT/tests/SocialCare.Benchmarks" -c Release -- "$@"
}

# The demo: its own hub (Release, fresh database, its own queues), the fake platforms and the four department samples,
# driven through one story by samples/ChannelSimulator, which prints each step and the final conversation.
run_demo() {
  deps
  export_connection_settings
  export_secrets_key
  local port=${DEMO_PORT:-8091}
  local url=http://127.0.0.1:$port admin
  admin=sch_admin_demo_$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
  log "building the hub and the samples"
  dotnet build "$ROOT/samples/ChannelSimulator" -c Release -v q -nologo >/dev/null || dotnet build "$ROOT/samples/ChannelSimulator" -c Release -nologo
  dotnet build "$ROOT/src/SocialCare.Api" -c Release -v q -nologo >/dev/null || dotnet build "$ROOT/src/SocialCare.Api" -c Release -nologo
  for db in socialcare_demo crm_demo; do
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "drop database if exists \"$db\" with (force)" >/dev/null
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database \"$db\"" >/dev/null
  done
  log "starting the demo hub on $url (log: $DATA/demo-hub.log)"
  ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=socialcare_demo" \
  Admin__ApiKey=$admin Demo__ApiKey= ASPNETCORE_URLS=$url Webhooks__AllowPrivateTargets=true Connectors__AllowPrivateTargets=true \
  Webhooks__FanOutQueue=socialcare-webhooks-demo Webhooks__FanOutQueueTemporary=true \
  Connectors__ReplyQueue=socialcare-replies-demo Connectors__ReplyQueueTemporary=true \
    dotnet "$ROOT/src/SocialCare.Api/bin/Release/net10.0/SocialCare.Api.dll" >"$DATA/demo-hub.log" 2>&1 &
  local hub=$!
  trap 'kill -TERM '"$hub"' 2>/dev/null; wait '"$hub"' 2>/dev/null' EXIT
  for _ in $(seq 1 120); do
    kill -0 $hub 2>/dev/null || { cat "$DATA/demo-hub.log" >&2; die "the demo hub stopped"; }
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  dotnet "$ROOT/samples/ChannelSimulator/bin/Release/net10.0/ChannelSimulator.dll" demo --hub "$url" --admin-key "$admin" \
    --rabbit-host 127.0.0.1 --rabbit-port "$RABBIT_PORT" --crm-database "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=crm_demo"
}

regenerate_contracts() {
  deps
  ensure_contract_tools
  export_connection_settings
  UPDATE_CONTRACTS=1 dotnet test "$ROOT/tests/SocialCare.Api.Tests" -nologo --filter "FullyQualifiedName~OpenApiContract|FullyQualifiedName~Event_schemas|FullyQualifiedName~AsyncApi_contract.Checked_in"
  # The typed client is generated from the document just written (Kiota, pinned in dotnet-tools.json).
  log "regenerating contracts/SocialCare.Client/Generated from contracts/openapi/v1.json"
  "$ROOT/contracts/SocialCare.Client/generate.sh"
}

# The chaos run's RabbitMQ cluster (chaos --cluster): three nodes on this machine, socialcare-chaos-N@localhost on
# AMQP port CLUSTER_PORT+N and distribution port CLUSTER_PORT+10+N, state in /var/tmp/socialcare-rabbit-cluster-N,
# one Erlang cookie. cluster_node N points the single-node functions above (start_rabbitmq, rabbitmqctl_) at node N.
CLUSTER_PORT=${SOCIALCARE_CHAOS_CLUSTER_PORT:-56680}
CLUSTER_COOKIE=/var/tmp/socialcare-rabbit-cluster.cookie
cluster_node() {
  RABBIT_PORT=$((CLUSTER_PORT + $1)) RABBIT_DIST_PORT=$((CLUSTER_PORT + 10 + $1))
  RABBIT_NODE=socialcare-chaos-$1@localhost RABBIT_HOME=/var/tmp/socialcare-rabbit-cluster-$1
}

start_cluster() {
  local i nodes=()
  if [ ! -s "$CLUSTER_COOKIE" ]; then
    # 4 KB of random bytes hold about 400 capital letters; no pipe is cut short (pipefail would end the script).
    local letters; letters=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Z')
    printf '%s' "${letters:0:32}" >"$CLUSTER_COOKIE" && chmod 400 "$CLUSTER_COOKIE"
  fi
  for i in 1 2 3; do
    (
      cluster_node "$i"
      mkdir -p "$RABBIT_HOME/home"
      cmp -s "$CLUSTER_COOKIE" "$RABBIT_HOME/home/.erlang.cookie" || install -m 400 "$CLUSTER_COOKIE" "$RABBIT_HOME/home/.erlang.cookie"
      start_rabbitmq --no-wait
      reserve_ports
    )
    nodes+=("127.0.0.1:$((CLUSTER_PORT + i))")
  done
  for i in 1 2 3; do ( cluster_node "$i"; wait_rabbitmq ); done
  for i in 2 3; do
    (
      cluster_node "$i"
      if ! rabbitmqctl_ cluster_status --formatter json | grep -q '"socialcare-chaos-1@localhost"'; then
        log "joining $RABBIT_NODE to the cluster of socialcare-chaos-1@localhost"
        rabbitmqctl_ stop_app >/dev/null
        rabbitmqctl_ join_cluster socialcare-chaos-1@localhost >/dev/null
        rabbitmqctl_ start_app >/dev/null
      fi
    )
  done
  ( cluster_node 1; ensure_test_vhost )
  export RabbitMq__VirtualHost=$TEST_VHOST SOCIALCARE_CHAOS_RABBIT_NODES
  SOCIALCARE_CHAOS_RABBIT_NODES=$(IFS=,; printf '%s' "${nodes[*]}")
}

# Stops the three nodes (their state stays for the next run); they would otherwise sit on 600 MB and some CPU.
stop_cluster() {
  local i
  for i in 1 2 3; do
    ( cluster_node "$i"; rabbit_running && rabbitmqctl_ stop "$RABBIT_HOME/rabbit.pid" >/dev/null 2>&1 || true )
  done
  log "RabbitMQ cluster stopped"
}

# The chaos run (tests/SocialCare.Chaos): HAProxy from Debian in front of two hubs; the run calls back `chaos-fault` to
# restart PostgreSQL and to stop and start RabbitMQ (or to kill and start one node of the cluster).
run_chaos() {
  local cluster=0
  case " $* " in
    *" --cluster "*) cluster=1; install_packages; mkdir -p "$DATA"; start_postgres; reserve_ports; start_cluster ;;
    *) deps; ensure_test_vhost ;;
  esac
  if ! command -v haproxy >/dev/null; then
    log "installing haproxy (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  fi
  export_connection_settings
  export SOCIALCARE_DEV_SCRIPT=$ROOT/infra/dev.sh
  local rc=0
  dotnet run --project "$ROOT/tests/SocialCare.Chaos" -c "${SOCIALCARE_CHAOS_CONFIGURATION:-Release}" -- "$@" || rc=$?
  [ "$cluster" = 0 ] || stop_cluster
  return "$rc"
}

run_soak() {
  deps
  export_connection_settings
  ensure_test_vhost
  dotnet run --project "$ROOT/tests/SocialCare.Chaos" -c Release -- soak "$@"
}

chaos_fault() {
  case "${1:-}" in
    pg-restart) pg_ctl_as_postgres "'$(pg_bin)/pg_ctl' -D '$PG_HOME/data' -m fast -w -t 60 restart -o \"-p $PG_PORT -k '$PG_HOME' -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB\"" >/dev/null ;;
    rabbit-stop) rabbitmqctl_ stop_app >/dev/null ;;
    rabbit-start) rabbitmqctl_ start_app >/dev/null ;;
    node-kill) cluster_node "$2"; kill -9 "$(cat "$RABBIT_HOME/rabbit.pid")" ;;
    node-start) cluster_node "$2"; start_rabbitmq ;;
    *) die "chaos-fault pg-restart|rabbit-stop|rabbit-start|node-kill N|node-start N" ;;
  esac
}

cmd=${1:-help}
shift || true
case "$cmd" in
  deps) deps ;;
  run) run_hub ;;
  env) print_env ;;
  test) run_tests "$@" ;;
  bench) run_bench "$@" ;;
  demo) run_demo ;;
  contracts) regenerate_contracts ;;
  stop) stop_all ;;
  chaos) run_chaos "$@" ;;
  soak) run_soak "$@" ;;
  chaos-fault) chaos_fault "$@" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [ "$cmd" = help ] || exit 2 ;;
esac
