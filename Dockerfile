# Pipewright: the controller and the in-pod inputs/outputs steps share this image.
#   docker build -t ghcr.io/pipewright/pipewright:0.1.0 .
# scripts/image-layout.mjs replays the COPY/RUN/WORKDIR steps below into a directory (tests run the controller and
# the pod helpers from that layout); keep to those instructions, one per line, so it can.

# One exact Node version for every stage: scripts/node.sh reads it here and fetches the same Node for the suite,
# the quickstart, the benchmarks and the test cluster's pods (bump it here, deliberately, and they all follow).
# The web UI (ui/: its own package and lock) as static files; the server serves /app/ui/dist.
FROM node:24.21.0 AS ui
WORKDIR /ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui/index.html ui/vite.config.ts ui/tsconfig.json ./
COPY ui/src ./src
RUN npm run build

FROM node:24.21.0 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build:server && npm prune --omit=dev --no-audit --no-fund

FROM node:24.21.0-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=ui /ui/dist ./ui/dist
COPY bin ./bin
COPY crds ./crds
# An unprivileged user by number so runAsNonRoot can verify it; the task pods' helper containers ask for the
# same uid (src/controller/pod-spec.ts). Nothing is written at run time: it runs with a read-only root. node is
# PID 1: the controller and the pod helpers handle SIGTERM themselves.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/pipewright.js"]
