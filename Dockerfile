# syntax=docker/dockerfile:1
# One image recipe for every EcoTrack service:
#   docker build --build-arg SERVICE=product-service -t ecotrack/product-service:<tag> .
# The image runs `node dist/apps/$SERVICE/src/main.js` (through /app/main.js) as uid 10001,
# writes nothing outside /tmp (mount an emptyDir there), and also carries
# tools/run/migrate.js for the migration step: `node tools/run/migrate.js $SERVICE`.
# Pin NODE_IMAGE by digest in CI (node:20-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full dependency tree, TypeScript -> dist/ ------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV CI=true NX_DAEMON=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json tsconfig.json nx.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# ---- prod-deps: production dependencies only -----------------------------------------
# Install scripts are skipped: no production dependency needs one (no native addons),
# and it keeps third-party code from running at build time.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- assemble: only what this one service needs, laid out as in the repo -----------
FROM ${NODE_IMAGE} AS assemble
ARG SERVICE
WORKDIR /out
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist/libs ./dist/libs
COPY --from=build /src/dist/apps ./dist/all-apps
COPY tools/run/migrate.js ./tools/run/migrate.js
COPY tools/k8s/wait-for.js ./tools/k8s/wait-for.js
# Fails the build early with a clear message when SERVICE is missing or unknown.
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<name>-service" >&2; exit 1; }; \
    test -f "dist/all-apps/${SERVICE}/src/main.js" || { echo "unknown service: ${SERVICE}" >&2; exit 1; }; \
    mkdir -p dist/apps \
 && mv "dist/all-apps/${SERVICE}" "dist/apps/${SERVICE}" \
 && rm -rf dist/all-apps \
 && ln -s "dist/apps/${SERVICE}/src/main.js" main.js

# ---- runtime ----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="ecotrack-${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Package managers are not needed at run time: remove them (smaller attack surface).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
COPY --from=assemble --chown=0:0 /out/ ./
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
