# One image, three commands (gateway, token-broker, workers) plus the one-shot migrate.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
RUN npm run build

FROM node:22-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/apps ./dist/apps
COPY --from=build --chown=root:root /app/dist/libs ./dist/libs
COPY --chown=root:root package.json ./
COPY --chown=root:root scripts ./scripts
# The code is owned by root and read-only to the app user. /secrets is where compose mounts the
# generated secrets: a new named volume takes this directory's owner, so the app user can write it.
RUN mkdir /secrets && chown node:node /secrets && chmod 0700 /secrets
USER node
EXPOSE 8080 8081 8082 8083 8084
CMD ["node", "dist/apps/gateway/src/main.js"]
