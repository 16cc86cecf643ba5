#!/usr/bin/env bash
# The Debian package as a server admin gets it: build it with CPack, unpack
# it into a scratch root, check its layout, and serve a real completion with
# the installed binaries (simulator + camoufleet + chromium) while the source
# tree is hidden, so nothing can come from there.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
src_dir=$2
work=$(mktemp -d /tmp/camoufleet-install-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.out; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done; exit 1; }
# Polls a command until it succeeds or the deadline (seconds) passes.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 0.2; done
}

# 1. The package.
(cd "$build_dir" && cpack -G DEB -B "$work/pkg" >"$work/cpack.out" 2>&1) || fail "cpack"
deb=$(ls "$work"/pkg/camoufleet_*.deb) || fail "no .deb built"
info=$(dpkg-deb -I "$deb")
grep -q '^ Depends:.*libcaf' <<<"$info" || fail "Depends lacks the CAF libraries: $info"
grep -q '^ Recommends: chromium | chromium-headless-shell | firefox-esr' <<<"$info" || fail "no browser recommendation: $info"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/camoufleet usr/bin/aistudio-sim usr/share/camoufleet/site/aistudio.json \
         usr/lib/systemd/system/camoufleet.service usr/share/camoufleet/camoufleet.env \
         usr/share/doc/camoufleet/README.md usr/share/doc/camoufleet/install.md; do
  [ -e "$work/root/$f" ] || fail "the package lacks $f"
done
version=$("$work/root/usr/bin/camoufleet" --version)
grep -Eq '^camoufleet [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}|unknown)\)$' <<<"$version" \
  || fail "--version says '$version'"
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB; $version"

# 2. The simulator from the package, and a profile for it.
setsid "$work/root/usr/bin/aistudio-sim" --port 0 --first-token-ms 20 --token-ms 5 \
  >"$work/sim.out" 2>&1 &
pids+=($!)
wait_for 15 grep -q 'listening on' "$work/sim.out" || fail "the simulator did not start"
sim_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/sim.out" | head -n1)
mkdir -p "$work/auth" "$work/profiles"
"$work/root/usr/bin/aistudio-sim" --write-profiles "$work/auth" --port "$sim_port" >/dev/null
rm -f "$work/auth/bob.json" "$work/auth/carol.json"
chmod 700 "$work/auth"; chmod 600 "$work/auth/alice.json"

# 3. The installed server, with the source tree hidden behind an empty tmpfs
#    (needs root for the mount namespace; CI is root).
server=("$work/root/usr/bin/camoufleet" --headless --port 0 --auth-dir "$work/auth"
        --site-url "http://127.0.0.1:$sim_port/prompts/new_chat" --profile-root "$work/profiles")
hidden=no
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  setsid unshare --mount --propagation private \
    sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$src_dir" "${server[@]}" >"$work/server.out" 2>&1 &
  hidden=yes
else
  setsid "${server[@]}" >"$work/server.out" 2>&1 &
fi
server_pid=$!
pids+=($server_pid)
wait_for 30 grep -q 'camoufleet listening on' "$work/server.out" || fail "the server did not start"
api_port=$(sed -n 's/^camoufleet listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$work/server.out" | head -n1)
grep -q "Site file: $work/root/usr/share/camoufleet/site/aistudio.json" "$work/server.out" \
  || fail "the installed binary did not take the installed site file"
ready() { curl -sf "http://127.0.0.1:$api_port/health" | grep -q '"ready_instances":1'; }
wait_for 90 ready || fail "no instance became ready"
answer=$(curl -sf --max-time 60 "http://127.0.0.1:$api_port/v1/chat/completions" \
  -H 'Content-Type: application/json' \
  -d '{"model":"gemini-2.5-pro","messages":[{"role":"user","content":"Hello from the package"}]}') \
  || fail "the completion failed"
grep -q '"content":"\[gemini-2.5-pro t=1.00 p=0.95 h=[0-9a-f]\{8\}\] Hello from the package' <<<"$answer" \
  || fail "unexpected answer: $answer"

# 4. A graceful stop.
kill -TERM "$server_pid"
wait_for 60 bash -c "! kill -0 $server_pid 2>/dev/null" || fail "the server did not stop on SIGTERM"
echo "installed server answered with the source tree hidden: $hidden"
