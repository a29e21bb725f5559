# The runner image: swift-runner (Swift, with CPython 3.11 embedded) on Debian bookworm.
#
#   docker build -t pylambda-runner .     builds swift-runner from source in the builder stage
#   make image                            offline: a local debootstrap base (BASE_IMAGE) and a
#                                         host-built binary (--target runtime-prebuilt)
#
# Both paths end in runtime-base: the same packages, user, port and entrypoint; they differ only in
# where /usr/local/bin/swift-runner comes from. Stages are in the order the legacy builder needs: it
# builds every stage before --target.
ARG BASE_IMAGE=debian:bookworm-slim
ARG SWIFT_IMAGE=swift:6.3-bookworm

# --- The runtime, without the binary ----------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime-base
# libpython3.11 is what swift-runner links; python3.11-minimal only compiles the standard library.
# Containers run with a read-only root, where CPython cannot write .pyc files: without them every cold
# start would compile the modules it imports.
RUN if ! dpkg -s libpython3.11 python3.11-minimal >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends libpython3.11 python3.11-minimal \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3.11 -m compileall -q -j 0 -x '/(test|lib2to3/tests|idlelib)/' /usr/lib/python3.11
# nobody:nogroup, as the dispatcher runs it (--user 65534:65534).
USER 65534:65534
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/swift-runner"]

# --- Offline path: the binary that `make image` built on the host --------------------------------------
FROM runtime-base AS runtime-prebuilt
COPY runner-image/bin/ /usr/local/bin/
# The runner's Python support modules, compiled once by the binary itself (a cold start then skips it).
USER 0:0
RUN ["/usr/local/bin/swift-runner", "--write-code-cache", "/usr/local/lib/pylambda/support-code"]
USER 65534:65534

# --- Build swift-runner from source -----------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpython3.11-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime is linked in statically: the runtime image needs no Swift toolchain libraries.
RUN swift build -c release --product swift-runner --static-swift-stdlib \
    && install -D -s "$(swift build -c release --show-bin-path)/swift-runner" /out/swift-runner

# --- The runtime image (default target) -------------------------------------------------------------
FROM runtime-base AS runtime
COPY --from=builder /out/swift-runner /usr/local/bin/swift-runner
USER 0:0
RUN ["/usr/local/bin/swift-runner", "--write-code-cache", "/usr/local/lib/pylambda/support-code"]
USER 65534:65534
