# syntax=docker/dockerfile:1
# One image recipe for every EcoTrack service. Its context holds one service's prepared tree,
# laid out by tools/images/closure.js from the compiled code (`npm run build`):
#   dist/images/<service>/app             the service's own compiled files and the libs it imports
#                                         (only those), tools/run/migrate.js, tools/k8s/wait-for.js,
#                                         and main.js -> dist/apps/<service>/src/main.js
#   dist/images/<service>/deps/node_modules  only the npm packages that code loads, with their own
#                                         dependencies (not the whole monorepo's: no sdk-node, no
#                                         auto-instrumentations); real modules, not a bundle, because
#                                         OpenTelemetry hooks require() of pg, ioredis and kafkajs.
# tools/images/build.sh prepares the trees and builds all five with podman; with Docker:
#   npm ci && tools/images/build.sh --prepare          (npm run build, then the five trees)
#   docker build --build-arg SERVICE=product-service -t ecotrack/product-service:<tag> .
# The image runs `node /app/main.js` as uid 10001, writes nothing outside /tmp (mount an emptyDir
# there), and also carries the migration step: `node tools/run/migrate.js $SERVICE`.
# NODE_IMAGE: the public base by default (pin it by digest in CI: node:20-bookworm-slim@sha256:...);
# build.sh overrides it with a base made locally (tools/images/base.sh) where no registry is reachable.
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE}
ARG SERVICE
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="ecotrack-${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Package managers are not needed at run time: remove them where the base has them (smaller attack surface).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# Dependencies first: their layer stays cached while only the service's code changes.
COPY --chown=0:0 dist/images/${SERVICE}/deps/ ./
COPY --chown=0:0 dist/images/${SERVICE}/app/ ./
# Fails the build with a clear message when SERVICE is missing or its tree was not prepared.
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<name>-service" >&2; exit 1; }; \
    test -f "dist/apps/${SERVICE}/src/main.js" -a -d node_modules \
      || { echo "no prepared tree for ${SERVICE}: node tools/images/closure.js ${SERVICE} dist/images/${SERVICE}" >&2; exit 1; }
# Files stay owned by root and read-only for the app user; HOME points at /tmp so that
# nothing tries to write under / (the root filesystem is read-only in Kubernetes).
ENV NODE_ENV=production \
    HOME=/tmp \
    SERVICE_NAME=${SERVICE} \
    SERVICE_VERSION=${VERSION}
USER 10001:10001
# Exec form: node is PID 1 and receives SIGTERM directly; the service's own handler
# (libs/platform/src/lifecycle/shutdown.ts) drains and exits. It spawns no children,
# so no init process is needed to reap zombies.
CMD ["node", "/app/main.js"]
