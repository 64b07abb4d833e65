# The operator image: `kubectl-ozone` as one static (musl) binary on distroless, run as the
# image's non-root user. `kubectl ozone operator manifests` names this image; README
# "Operator mode" says how to build and push it.
#
#   docker build -t ghcr.io/kubectl-ozone/kubectl-ozone:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/kubectl-ozone:TAG --push .
#
# Each platform is built natively (under emulation when it is not the host's), so the Rust
# target is the build stage's own architecture.

FROM rust:1-bookworm AS build
# musl-gcc: ring and mimalloc compile C.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN target="$(uname -m)-unknown-linux-musl" \
 && rustup target add "$target" \
 && cargo build --release --locked -p kubectl-ozone --target "$target" \
 && cp "target/$target/release/kubectl-ozone" /kubectl-ozone \
 && /kubectl-ozone version

FROM gcr.io/distroless/static:nonroot
COPY --from=build /kubectl-ozone /usr/local/bin/kubectl-ozone
# distroless' `nonroot` (65532); the Deployment's securityContext says the same.
USER 65532:65532
# The arguments come from the Deployment (`operator run --leader-elect …`).
ENTRYPOINT ["/usr/local/bin/kubectl-ozone"]
