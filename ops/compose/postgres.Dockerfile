# PostgreSQL 15 from Debian's postgresql-15, behaving like the official `postgres:15` image
# for what docker-compose.yml uses: POSTGRES_PASSWORD (or _FILE), POSTGRES_USER, POSTGRES_DB,
# POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, PGDATA, /docker-entrypoint-initdb.d, the
# data volume, pg_isready on the PATH. Only for hosts that cannot pull the official image
# (the compose test builds it from a debootstrapped base); production uses `postgres:15`.
#   podman build -f ops/compose/postgres.Dockerfile --build-arg BASE=... -t jiuye-postgres:15 ops/compose
ARG BASE=debian:12-slim
FROM ${BASE}
# As the official image: no cluster made by the package (the entrypoint makes one in the
# volume), the server listening on every address of the container network.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
 && sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/15/postgresql.conf.sample \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql \
 && chown postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
ENV PATH=$PATH:/usr/lib/postgresql/15/bin \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
RUN mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
VOLUME /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
