# Sourced by the bench scripts: starts `$COFFER server --dev` in $work/data on a
# free port and sets port, coffer_pid, dev (dev.json), ca, tok (an access token
# for the vaults) and vault (the dev vault's URL). Needs COFFER and work.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
"$COFFER" server --dev --data-dir "$work/data" --listen "localhost:$port" > "$work/coffer.log" 2>&1 &
coffer_pid=$!
for _ in $(seq 100); do grep -q "Coffer dev server on" "$work/coffer.log" && break; sleep 0.1; done
dev="$work/data/dev.json"
field() { /usr/bin/python3 -c "import json; print(json.load(open('$dev'))['$1'])"; }
ca=$(field caFile)
tok=$(curl -s --cacert "$ca" "https://localhost:$port/adfs/oauth2/token" \
  -d grant_type=client_credentials -d "client_id=$(field clientId)" --data-urlencode "client_secret=$(field clientSecret)" \
  -d "scope=https://vault.localhost:$port/.default" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
vault="https://dev.vault.localhost:$port"
