# Shared by bench/run.sh and bench/tier.sh: one wrk run, printed and kept in variables.
# Needs THREADS and DUR set by the caller.

# wrk prints latencies as 1.23ms / 456.78us / 1.02s; convert to ms.
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print v }'; }
measure() { # name connections wrk-args...
  local name=$1 conns=$2; shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$conns" -d"${DUR}s" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
  p99=$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")
  non2xx=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
  printf '%-28s %10.1f req/s   p50 %8.2f ms   p99 %8.2f ms%s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:+   (non-2xx/3xx: $non2xx)}"
  eval "${name//[^a-z_]/_}_rps=$rps"
  eval "${name//[^a-z_]/_}_p50=$p50"
}

