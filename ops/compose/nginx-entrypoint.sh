#!/bin/sh
# nginx-entrypoint.sh of ops/compose/nginx.Dockerfile: nginx in the foreground as the
# image's unprivileged user, its writable files under /tmp/nginx.
#
# The services are reached by their compose names, resolved at each request through the
# container's own DNS server (the one in /etc/resolv.conf: compose's), not once at start:
# a service that restarts may come back at another address, and the proxy may start
# before every service has one.
set -eu
ns=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
if [ -z "$ns" ]; then
    echo "nginx-entrypoint: no nameserver in /etc/resolv.conf: cannot resolve the services" >&2
    exit 1
fi
case $ns in *:*) ns="[$ns]" ;; esac
mkdir -p /tmp/nginx
printf 'resolver %s valid=10s ipv6=off;\n' "$ns" >/tmp/nginx/resolver.conf
exec nginx -e stderr -c /etc/jiuye/nginx.conf -g 'daemon off;'
