# payment-service: build with the official Swift image, run on a slim Debian with the Swift
# standard library linked in statically. `scripts/check-release.sh` builds the binary exactly as
# the build stage does and runs it in a root holding only what the runtime stage holds.

# ---- build ---------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first: they change less often than the sources, so this layer is reused.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product payments \
 && install -D "$(swift build -c release --show-bin-path)/payments" /staging/usr/local/bin/payments \
 && strip /staging/usr/local/bin/payments

# ---- run -----------------------------------------------------------------------------------
FROM debian:bookworm-slim
# What the binary links to beyond the C library (the system's SQLite), and the CA certificates
# its HTTPS calls to Stripe and to the apps' webhook endpoints verify against.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin payments \
 && mkdir -p /data && chown payments:payments /data
COPY --from=build /staging/usr/local/bin/payments /usr/local/bin/payments
USER payments
# SQLite lives in the volume unless DATABASE_URL names PostgreSQL.
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["payments", "health"]
ENTRYPOINT ["payments"]
CMD ["serve"]
