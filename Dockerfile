# Pipewright: the controller and the in-pod inputs/outputs steps share this image.
#   docker build -t ghcr.io/pipewright/pipewright:0.1.0 .

FROM node:24 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY crds ./crds
# An unprivileged user by number so runAsNonRoot can verify it; the task pods' helper containers ask for the
# same uid (src/controller/pod-spec.ts). Nothing is written at run time: it runs with a read-only root.
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/pipewright.js"]
