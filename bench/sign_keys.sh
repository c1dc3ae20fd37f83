# Sourced by the bench scripts that sign, after dev_server.sh: sets digest (a
# base64url SHA-256 to sign) and defines create (a key → its versioned kid
# path) and sign_script (a wrk script that signs with it). Needs work, ca,
# tok and vault.
digest=$(/usr/bin/python3 -c 'import base64,hashlib; print(base64.urlsafe_b64encode(hashlib.sha256(b"coffer").digest()).rstrip(b"=").decode())')

create() {  # name, body → versioned kid path
  curl -s --cacert "$ca" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -X POST \
    -d "$2" "$vault/keys/$1/create?api-version=7.4" |
    /usr/bin/python3 -c 'import json,sys,urllib.parse; print(urllib.parse.urlparse(json.load(sys.stdin)["key"]["kid"]).path)'
}

sign_script() {  # path, alg → the script's file name
  cat > "$work/sign-$2.lua" <<LUA
wrk.method = "POST"
wrk.path = "$1/sign?api-version=7.4"
wrk.body = '{"alg":"$2","value":"$digest"}'
wrk.headers["Content-Type"] = "application/json"
LUA
  echo "$work/sign-$2.lua"
}
