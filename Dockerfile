# Multi-stage build: compile in the Rust image, run in a slim Debian image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY presets ./presets
COPY benches ./benches
RUN cargo build --release --locked --bin trawl

FROM debian:bookworm-slim
RUN useradd --system --home-dir /var/lib/trawl --create-home --shell /usr/sbin/nologin trawl \
    && mkdir -p /etc/trawl/rules && chown -R trawl:trawl /var/lib/trawl
COPY --from=build /src/target/release/trawl /usr/local/bin/trawl
COPY config/trawl.toml /etc/trawl/trawl.toml
COPY rules/ /etc/trawl/rules/
COPY config/calendar/ /etc/trawl/calendar/
# Inside the image, data lives in the volume and rules next to the config.
RUN sed -i -e 's#^database = .*#database = "/var/lib/trawl/trawl.db"#' \
           -e 's#^archive = .*#archive = "/var/lib/trawl/archive"#' \
           -e 's#^paths = .*#paths = ["rules/*.toml"]#' \
           -e 's#^path = "../data/outbox"#path = "/var/lib/trawl/outbox"#' /etc/trawl/trawl.toml \
    && /usr/local/bin/trawl -c /etc/trawl/trawl.toml check
USER trawl
ENV TRAWL_CONFIG=/etc/trawl/trawl.toml
VOLUME ["/var/lib/trawl"]
# `docker stop` sends SIGTERM: in-flight polls finish within shutdown_grace, then trawl exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/trawl"]
CMD ["run"]
