# Sourced by the bench scripts: nginx on a free loopback port serving the file $nginx_body at
# every path, over TLS with the dev server's certificate and key and the same protocols
# (TLS 1.2 and 1.3), one worker per core, keep-alive. Sets nport and nginx_pid. Needs work,
# nginx_body and free_port (dev_server.sh).
nport=$(free_port)
mkdir -p "$work/nginx/www"
cp "$nginx_body" "$work/nginx/www/body.json"
cat > "$work/nginx/nginx.conf" <<CONF
user root;
worker_processes $(nproc);
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $work/data/tls/server.crt;
    ssl_certificate_key $work/data/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 1000000;
    location / { root $work/nginx/www; default_type application/json; try_files /body.json =404; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
sleep 0.5
