# The TLS reverse proxy of docker-compose.yml: Debian's nginx on the same base as the
# suite's image, running as www-data, with ops/compose/nginx.conf. The only HTTP port the
# deployment publishes; the certificate and key come from the compose secrets tls_cert
# and tls_key (ops/compose/make-secrets.sh makes a self-signed pair for a first start).
#   podman build -f ops/compose/nginx.Dockerfile --build-arg BASE=... -t jiuye-proxy ops/compose
ARG BASE=debian:12-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && mkdir -p /etc/jiuye
# Root-owned and read-only to the proxy's user: the configuration is part of the image.
COPY nginx.conf /etc/jiuye/nginx.conf
COPY nginx-entrypoint.sh /usr/local/bin/nginx-entrypoint.sh
USER www-data
EXPOSE 8443
ENTRYPOINT ["nginx-entrypoint.sh"]
